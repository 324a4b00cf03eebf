// Who may act: the operator API router with the real authentication middleware and a fake of the
// API server's reviews (TokenReview, SubjectAccessReview), served on 127.0.0.1. Each refusal
// changes nothing and names the problem; each action is recorded with the caller's name.

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import express from 'express';
import { createAuthenticator } from '../../../src/auth/authenticator.ts';
import type { ActionAttributes, KubeReviews, KubeUser } from '../../../src/auth/kube-reviews.ts';
import { createOperatorAuth, USER_TOKEN_HEADER } from '../../../src/auth/operator-auth.ts';
import { createOperatorRoutes } from '../../../src/controller/operator/operator-routes.ts';
import type { Control } from '../../../src/controller/operator/operator-control.ts';
import { createLogger } from '../../../src/log/logger.ts';
import { waitFor } from '../../harness/wait-for.ts';

const USERS: Record<string, KubeUser> = {
  'alice-token': { username: 'alice', groups: ['ops'], extra: {} },
  'bob-token': { username: 'bob', groups: [], extra: {} },
};
const ALICE_MAY = new Set(['create kreboot.dev/rollouts/pause kreboot', 'create kreboot.dev/nodes/reboot n1']);

let actions: string[];
let reviews: { authn: number; authz: ActionAttributes[]; fail?: 'authn' | 'authz'; hold?: Promise<void> };
let base: string;
let server: ReturnType<express.Express['listen']>;

const fakeReviews: KubeReviews = {
  async authenticate(token) {
    reviews.authn++;
    await reviews.hold;
    if (reviews.fail === 'authn') throw Object.assign(new Error('HTTP 403'), { code: 403, body: { message: 'tokenreviews is forbidden' } });
    return USERS[token] ?? { error: 'token lookup failed' };
  },
  async authorize(user, action) {
    reviews.authz.push(action);
    if (reviews.fail === 'authz') throw new Error('connect ECONNREFUSED');
    const key = `${action.verb} ${action.group}/${action.resource}/${action.subresource} ${action.namespace ?? action.name}`;
    return { allowed: user.username === 'alice' && ALICE_MAY.has(key), reason: '' };
  },
};

const control: Control = {
  async pause(_reason, by) {
    actions.push(`pause by ${by}`);
  },
  async resume(by) {
    actions.push(`resume by ${by}`);
    return { rearmed: [] };
  },
  async reboot(node, _reason, by) {
    actions.push(`reboot ${node} by ${by}`);
    return node === 'n1' ? 'accepted' : 'unknown-node';
  },
};

before(async () => {
  const app = express();
  const auth = createOperatorAuth({ admin: createAuthenticator({ token: 'shared-admin-token' }), reviews: fakeReviews });
  const log = createLogger({ format: 'json', level: 'silent', name: 'test' });
  app.use(createOperatorRoutes({ plan: async () => ({}) as never, control, auth, namespace: 'kreboot', log }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());
beforeEach(() => {
  actions = [];
  reviews = { authn: 0, authz: [] };
});

async function post(path: string, headers: Record<string, string>, body: object = {}): Promise<{ status: number; error?: string }> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { error?: string };
  return { status: response.status, ...(json.error ? { error: json.error } : {}) };
}

describe('operator actions: who may act', () => {
  it('records the Kubernetes user, whether the token comes through the proxy header or Authorization', async () => {
    assert.equal((await post('/api/v1/pause', { [USER_TOKEN_HEADER]: 'Bearer alice-token' })).status, 200);
    assert.equal((await post('/api/v1/pause', { authorization: 'Bearer alice-token' })).status, 200);
    assert.equal((await post('/api/v1/reboot', { authorization: 'Bearer alice-token' }, { node: 'n1' })).status, 202);
    assert.deepEqual(actions, ['pause by alice', 'pause by alice', 'reboot n1 by alice']);
    assert.deepEqual(reviews.authz[0], {
      verb: 'create',
      group: 'kreboot.dev',
      resource: 'rollouts',
      subresource: 'pause',
      namespace: 'kreboot',
    });
    assert.deepEqual(reviews.authz[2], { verb: 'create', group: 'kreboot.dev', resource: 'nodes', subresource: 'reboot', name: 'n1' });
  });

  it('the shared admin token acts as admin-token, with no review', async () => {
    assert.equal((await post('/api/v1/resume', { authorization: 'Bearer shared-admin-token' })).status, 200);
    assert.equal((await post('/api/v1/pause', { [USER_TOKEN_HEADER]: 'Bearer shared-admin-token' })).status, 200);
    assert.deepEqual(actions, ['resume by admin-token', 'pause by admin-token']);
    assert.equal(reviews.authn + reviews.authz.length, 0);
  });

  it('refuses, changing nothing: no token, a token the API server rejects, a user RBAC does not allow', async () => {
    const none = await post('/api/v1/pause', {});
    assert.equal(none.status, 401);
    assert.match(none.error!, /missing credentials/);
    assert.equal(reviews.authn, 0, 'no review without a token');
    const basic = await post('/api/v1/pause', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
    assert.equal(basic.status, 401);
    const unknown = await post('/api/v1/pause', { authorization: 'Bearer made-up' });
    assert.equal(unknown.status, 401);
    assert.match(unknown.error!, /does not accept your token: token lookup failed/);
    const bob = await post('/api/v1/pause', { authorization: 'Bearer bob-token' });
    assert.equal(bob.status, 403);
    assert.equal(
      bob.error,
      'bob may not create kreboot.dev/rollouts/pause in namespace kreboot: no RBAC rule grants it; see docs/operator-view.md, "Who may act"',
    );
    const resume = await post('/api/v1/resume', { authorization: 'Bearer alice-token' });
    assert.equal(resume.status, 403, 'alice may pause but not resume');
    const otherNode = await post('/api/v1/reboot', { authorization: 'Bearer alice-token' }, { node: 'n2' });
    assert.equal(otherNode.status, 403);
    assert.match(otherNode.error!, /alice may not create kreboot\.dev\/nodes\/reboot n2/);
    const badBody = await post('/api/v1/reboot', { authorization: 'Bearer alice-token' }, { nodes: 'n1' });
    assert.equal(badBody.status, 400);
    assert.deepEqual(actions, []);
  });

  it('an API server that cannot answer is a 503 naming the review, never an allowed action', async () => {
    reviews.fail = 'authn';
    const authn = await post('/api/v1/pause', { authorization: 'Bearer alice-token' });
    assert.equal(authn.status, 503);
    assert.match(authn.error!, /TokenReview.*tokenreviews is forbidden/);
    reviews.fail = 'authz';
    const authz = await post('/api/v1/pause', { authorization: 'Bearer alice-token' });
    assert.equal(authz.status, 503);
    assert.match(authz.error!, /SubjectAccessReview.*ECONNREFUSED/);
    assert.deepEqual(actions, []);
  });

  it('caps the credential checks in flight: made-up tokens cannot flood the API server', async () => {
    let release!: () => void;
    reviews.hold = new Promise((resolve) => (release = resolve));
    const pending = Array.from({ length: 8 }, (_, i) => post('/api/v1/pause', { authorization: `Bearer made-up-${i}` }));
    await waitFor(() => reviews.authn === 8, { timeoutMs: 5000, what: 'eight reviews in flight' });
    const ninth = await post('/api/v1/pause', { authorization: 'Bearer made-up-9' });
    assert.equal(ninth.status, 429);
    release();
    assert.deepEqual(
      (await Promise.all(pending)).map((r) => r.status),
      Array(8).fill(401),
    );
    assert.equal(reviews.authn, 8);
  });
});
