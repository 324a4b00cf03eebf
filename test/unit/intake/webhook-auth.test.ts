import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadTokenAuth } from '../../../src/auth/authenticator.ts';
import { openSecretFile } from '../../../src/auth/secret-file.ts';
import { loadWebhookAuth } from '../../../src/intake/webhook-auth.ts';

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

/**
 * A Secret volume as the kubelet writes it: the file is a symlink into ..data, itself a symlink to
 * a timestamped folder; a rotation writes a new folder and swaps ..data atomically.
 */
function secretVolume(files: Record<string, string>): { dir: string; rotate(next: Record<string, string>): void } {
  const root = mkdtempSync(join(tmpdir(), 'kreboot-secret-'));
  let generation = 0;
  const write = (next: Record<string, string>) => {
    const folder = `..${++generation}`;
    mkdirSync(join(root, folder));
    for (const [name, value] of Object.entries(next)) writeFileSync(join(root, folder, name), value, { mode: 0o440 });
    symlinkSync(folder, join(root, '..data_tmp'));
    renameSync(join(root, '..data_tmp'), join(root, '..data'));
    for (const name of Object.keys(next)) if (!existsSync(join(root, name))) symlinkSync(join('..data', name), join(root, name));
  };
  write(files);
  return { dir: root, rotate: write };
}

test('a rotated Secret is used without a restart; the old token stops working', async () => {
  const volume = secretVolume({ 'webhook-token': 'first\n', 'admin-token': 'admin-1' });
  const reloaded: string[] = [];
  const { auth, problems } = loadWebhookAuth(
    { auth: 'auto', tokenFile: join(volume.dir, 'webhook-token'), username: '', passwordFile: '' },
    { reloaded: (file) => reloaded.push(file) },
  );
  const admin = loadTokenAuth(join(volume.dir, 'admin-token'), '--admin-token-file');
  assert.deepEqual(problems, []);
  assert.equal(auth.check('Bearer first'), true);
  volume.rotate({ 'webhook-token': 'second\n', 'admin-token': 'admin-2' });
  // Files are looked at again at most once a second: wait for it, with a deadline.
  await waitUntil(() => auth.check('Bearer second'));
  assert.equal(auth.check('Bearer first'), false);
  assert.deepEqual(reloaded, [join(volume.dir, 'webhook-token')]);
  await waitUntil(() => admin.auth!.check('Bearer admin-2'));
  assert.equal(admin.auth!.check('Bearer admin-1'), false);
});

test('a rotation to an empty or missing file keeps the last good secret and says so', () => {
  const volume = secretVolume({ token: 'good' });
  let now = 0;
  const failed: string[] = [];
  const file = openSecretFile(join(volume.dir, 'token'), '--webhook-token-file', [], {
    now: () => now,
    events: { failed: (_path, problem) => failed.push(problem) },
  });
  volume.rotate({ token: '\n' });
  now += 1000;
  assert.equal(file.current(), 'good');
  assert.match(failed[0]!, /is empty/);
  volume.rotate({ other: 'x' });
  now += 1000;
  assert.equal(file.current(), 'good');
  assert.match(failed[1]!, /ENOENT/);
  volume.rotate({ token: 'better' });
  now += 500;
  assert.equal(file.current(), 'good', 'not looked at again within the recheck interval');
  now += 500;
  assert.equal(file.current(), 'better');
});

async function waitUntil(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within the deadline');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
