import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadTokenAuth, loadWebhookAuth } from '../../../src/intake/webhook-auth.ts';

const dir = mkdtempSync(join(tmpdir(), 'kreboot-auth-'));
const tokenFile = join(dir, 'token');
writeFileSync(tokenFile, 'tok-123\n');
const passwordFile = join(dir, 'password');
writeFileSync(passwordFile, 'pw\n');
const emptyFile = join(dir, 'empty');
writeFileSync(emptyFile, '\n');
const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

test('bearer token from a file, trailing newline not part of it', () => {
  const { auth, problems } = loadWebhookAuth({ auth: 'auto', tokenFile, username: '', passwordFile: '' });
  assert.deepEqual(problems, []);
  assert.equal(auth.check('Bearer tok-123'), true);
  assert.equal(auth.check('bearer tok-123'), true);
  assert.equal(auth.check('Bearer tok-123\n'), true);
  assert.equal(auth.check('Bearer tok-12'), false);
  assert.equal(auth.check('Bearer tok-1234'), false);
  assert.equal(auth.check(basic('x', 'tok-123')), false);
  assert.equal(auth.check(undefined), false);
  assert.equal(auth.check(''), false);
});

test('basic auth and bearer together: either works', () => {
  const { auth } = loadWebhookAuth({ auth: 'auto', tokenFile, username: 'am', passwordFile });
  assert.equal(auth.scheme, 'bearer+basic');
  assert.equal(auth.check(basic('am', 'pw')), true);
  assert.equal(auth.check(basic('am', 'pwx')), false);
  assert.equal(auth.check(basic('AM', 'pw')), false);
  assert.equal(auth.check('Bearer tok-123'), true);
});

test('unreadable or empty files are problems naming the flag and file, never the content; nothing is accepted', () => {
  const { auth, problems } = loadWebhookAuth({ auth: 'auto', tokenFile: join(dir, 'missing'), username: 'am', passwordFile: emptyFile });
  assert.equal(problems.length, 2);
  assert.match(problems[0]!, /^--webhook-token-file: cannot read .*missing \(ENOENT\)/);
  assert.match(problems[1]!, /^--webhook-password-file: .*empty is empty/);
  assert.equal(auth.check('Bearer '), false);
  assert.equal(auth.check(basic('am', '')), false);
});

test('--webhook-auth=none accepts everything; an admin token is separate', () => {
  assert.equal(loadWebhookAuth({ auth: 'none', tokenFile: '', username: '', passwordFile: '' }).auth.check(undefined), true);
  assert.equal(loadTokenAuth('', '--admin-token-file').auth, undefined);
  const admin = loadTokenAuth(tokenFile, '--admin-token-file').auth;
  assert.equal(admin?.check('Bearer tok-123'), true);
  assert.equal(admin?.check('Bearer other'), false);
});
