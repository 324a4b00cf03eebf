// The hooks around the reboot in the operator view (ADR 0019): the status API lists the runs of
// each node's current round (older rounds' runs stay on the Node, not in the status), and the CLI
// and the page show each with the Job's name, where its logs are.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildStatus } from '../../../src/controller/status/status.ts';
import { renderStatusFragment } from '../../../src/controller/status/status-fragment.ts';
import { formatStatus } from '../../../src/cli/status-text.ts';
import type { HookRun } from '../../../src/store/hook-records.ts';
import { ago, node, NOW } from '../controller/fixtures.ts';

const ROUND = ago(300);
const earlier: HookRun = {
  point: 'pre-drain',
  kind: 'job',
  name: 'kreboot-pre-drain-n1-old',
  round: ago(9000),
  startedAt: ago(9000),
  outcome: 'failed',
  finishedAt: ago(8990),
};
const pre: HookRun = {
  point: 'pre-drain',
  kind: 'job',
  name: 'kreboot-pre-drain-n1-3f9a0c12',
  round: ROUND,
  startedAt: ago(290),
  outcome: 'succeeded',
  finishedAt: ago(282),
};
const post: HookRun = { point: 'post-reboot', kind: 'host', name: 'kreboot-post-reboot-n1-h77be01d4', round: ROUND, startedAt: ago(12) };

const status = buildStatus({
  nodes: [
    node({
      request: { at: ago(900), kind: 'alert' },
      unschedulable: true,
      progress: {
        phase: 'verifying',
        since: ago(20),
        startedAt: ROUND,
        reason: `post-reboot hook: host command (${post.name}) running (timeout 600 s)`,
      },
      hooks: [earlier, pre, post],
    }),
  ],
  rollout: undefined,
  halt: undefined,
  leader: true,
  identity: 'replica-1',
  settings: { concurrency: 1, ttlMs: 0 },
  now: NOW,
  notifications: [],
});

describe('hooks in the status', () => {
  it("lists the runs of the node's current round, in order", () => {
    assert.deepEqual(
      status.nodes[0]?.hooks?.map((run) => run.name),
      [pre.name, post.name],
    );
  });

  it('the CLI prints one line per run under its node, with the Job name, the outcome and the time it took', () => {
    const text = formatStatus(status, { now: NOW });
    assert.match(text, /hook pre-drain: Job kreboot-pre-drain-n1-3f9a0c12 succeeded in 8 s/);
    assert.match(text, /hook post-reboot: host command kreboot-post-reboot-n1-h77be01d4 running since/);
    assert.doesNotMatch(text, /kreboot-pre-drain-n1-old/);
  });

  it('the page shows them under the reason', () => {
    const html = renderStatusFragment(status, { now: NOW });
    assert.match(html, /data-hook="kreboot-pre-drain-n1-3f9a0c12">hook pre-drain: Job kreboot-pre-drain-n1-3f9a0c12 succeeded/);
    assert.match(html, /hook post-reboot: host command kreboot-post-reboot-n1-h77be01d4 running/);
  });
});
