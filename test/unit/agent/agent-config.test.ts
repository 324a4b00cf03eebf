// Configuration errors of `kreboot agent`, as a user meets them: the real binary, exit code 2 and
// every problem listed.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

function agent(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(KURED|KREBOOT)_|^NODE_ID$/.test(key)));
  return spawnSync(process.execPath, ['src/cli.ts', 'agent', ...args], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 30_000 });
}

test('without --node-id the agent refuses to start, exit 2, naming the flag and the variable', () => {
  const run = agent(['--kubeconfig=/nonexistent']);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /--node-id/);
  assert.match(run.stderr, /KURED_NODE_ID/);
});

test('every problem is listed at once: node-id, unsplittable commands, bad durations', () => {
  const run = agent(['--reboot-sentinel-command=sh -c "unclosed', '--reboot-command=reboot \\', '--period=soon']);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /--node-id/);
  assert.match(run.stderr, /--reboot-sentinel-command: cannot split .*double quote is not closed/);
  assert.match(run.stderr, /--reboot-command: cannot split .*lone backslash/);
  assert.match(run.stderr, /--period: "soon" is not a duration/);
});

test('KURED_NODE_ID satisfies the node identity (it then fails later, on the missing kubeconfig)', () => {
  const run = agent(['--kubeconfig=/nonexistent/kubeconfig', '--metrics-port=0', '--metrics-host=127.0.0.1'], { KURED_NODE_ID: 'n1' });
  assert.equal(run.status, 1);
  assert.doesNotMatch(run.stderr + run.stdout, /--node-id/);
  assert.match(run.stderr + run.stdout, /cannot load the Kubernetes configuration/);
});

test('a malformed --require-lock-slot is a usage error naming the flag, never "no check"', () => {
  const run = agent(['--node-id=n1', '--require-lock-slot=kreboot-agent']);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /--require-lock-slot: must be NAMESPACE\/NAME of the lock DaemonSet, not "kreboot-agent"/);
  const empty = agent(['--node-id=n1', '--require-lock-slot=kreboot/kreboot-agent', '--require-lock-slot-annotation=']);
  assert.equal(empty.status, 2);
  assert.match(empty.stderr, /--require-lock-slot-annotation: must not be empty/);
});
