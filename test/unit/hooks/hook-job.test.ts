// The hook Job made from a template (ADR 0019): its name is deterministic and short enough, the
// node is passed in, the bounds are set, and the Job's status reads as running, succeeded or
// failed. Plus the template checks made at start.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { V1Job } from '@kubernetes/client-node';
import { buildHookJob, hookRunName, jobState } from '../../../src/controller/hooks/hook-job.ts';
import { readHookTemplate, templateProblems } from '../../../src/config/hook-config.ts';
import { loadControllerConfig } from '../../../src/config/controller-config.ts';

const TEMPLATE: V1Job = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { labels: { team: 'db' }, namespace: 'kreboot' },
  spec: {
    backoffLimit: 1,
    activeDeadlineSeconds: 3600,
    template: {
      spec: {
        restartPolicy: 'Never',
        initContainers: [{ name: 'init', image: 'i' }],
        containers: [
          {
            name: 'hook',
            image: 'h',
            env: [
              { name: 'KREBOOT_NODE', value: 'stale' },
              { name: 'OTHER', value: 'x' },
            ],
          },
        ],
      },
    },
  },
};

describe('hook Job names', () => {
  it('are the same for the same run and differ for another node, round, attempt, point or kind', () => {
    const name = hookRunName('node-1', '2026-01-01T00:00:00.000Z', 1, 'pre-drain', 'job');
    assert.equal(name, hookRunName('node-1', '2026-01-01T00:00:00.000Z', 1, 'pre-drain', 'job'));
    const others = [
      hookRunName('node-2', '2026-01-01T00:00:00.000Z', 1, 'pre-drain', 'job'),
      hookRunName('node-1', '2026-01-01T00:00:01.000Z', 1, 'pre-drain', 'job'),
      hookRunName('node-1', '2026-01-01T00:00:00.000Z', 2, 'pre-drain', 'job'),
      hookRunName('node-1', '2026-01-01T00:00:00.000Z', 1, 'post-reboot', 'job'),
      hookRunName('node-1', '2026-01-01T00:00:00.000Z', 1, 'pre-drain', 'host'),
    ];
    assert.equal(new Set([name, ...others]).size, 6);
    assert.match(name, /^kreboot-pre-drain-node-1-[0-9a-f]{8}$/);
  });

  it('stay a valid name of at most 52 characters for long and dotted node names', () => {
    const name = hookRunName('ip-10-0-12-34.eu-west-1.compute.internal.example.com', 'r', 1, 'post-reboot', 'host');
    assert.ok(name.length <= 52, name);
    assert.match(name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});

describe('building the Job', () => {
  const job = buildHookJob(TEMPLATE, {
    node: 'node-1',
    point: 'pre-drain',
    namespace: 'kreboot',
    name: 'kreboot-pre-drain-node-1-abc',
    round: 'r',
    timeoutMs: 600_000,
  });

  it('names and places it, and labels the Job and its pods with the node and the point', () => {
    assert.equal(job.metadata?.name, 'kreboot-pre-drain-node-1-abc');
    assert.equal(job.metadata?.namespace, 'kreboot');
    assert.deepEqual(job.metadata?.labels, { team: 'db', 'kreboot.dev/hook-point': 'pre-drain', 'kreboot.dev/hook-node': 'node-1' });
    assert.equal(job.spec?.template.metadata?.labels?.['kreboot.dev/hook-node'], 'node-1');
    assert.equal(job.metadata?.annotations?.['kreboot.dev/hook-node'], 'node-1');
  });

  it('passes the node in every container, replacing a stale value, keeping the others', () => {
    for (const container of [...job.spec!.template.spec!.containers, ...job.spec!.template.spec!.initContainers!]) {
      const env = Object.fromEntries((container.env ?? []).map((variable) => [variable.name, variable.value]));
      assert.equal(env['KREBOOT_NODE'], 'node-1');
      assert.equal(env['KREBOOT_HOOK_POINT'], 'pre-drain');
    }
    assert.equal(job.spec!.template.spec!.containers[0]!.env!.filter((variable) => variable.name === 'KREBOOT_NODE').length, 1);
    assert.equal(job.spec!.template.spec!.containers[0]!.env!.find((variable) => variable.name === 'OTHER')?.value, 'x');
  });

  it('bounds it by the hook timeout and keeps it, finished, longer than a restarted controller may look for it', () => {
    assert.equal(job.spec?.activeDeadlineSeconds, 600);
    assert.ok(job.spec!.ttlSecondsAfterFinished! > 600);
    assert.equal(job.spec?.backoffLimit, 1);
    const short = buildHookJob(
      { ...TEMPLATE, spec: { ...TEMPLATE.spec!, activeDeadlineSeconds: 30, ttlSecondsAfterFinished: 5 } },
      {
        node: 'n',
        point: 'post-reboot',
        namespace: 'kreboot',
        name: 'x',
        round: 'r',
        timeoutMs: 600_000,
      },
    );
    assert.equal(short.spec?.activeDeadlineSeconds, 30, "the template's shorter deadline stays");
    assert.ok(short.spec!.ttlSecondsAfterFinished! > 600, 'a TTL shorter than the timeout is raised');
    assert.equal(TEMPLATE.spec?.template.spec?.containers[0]?.env?.[0]?.value, 'stale', 'the template is not changed');
  });
});

describe('reading its status', () => {
  const withCondition = (type: string, reason?: string, message?: string): V1Job => ({
    status: { conditions: [{ type, status: 'True', ...(reason ? { reason } : {}), ...(message ? { message } : {}) }] },
  });
  it('Complete or SuccessCriteriaMet: succeeded; Failed or FailureTarget: failed with the reason; else running', () => {
    assert.deepEqual(jobState(withCondition('Complete')), { state: 'succeeded' });
    assert.deepEqual(jobState(withCondition('SuccessCriteriaMet')), { state: 'succeeded' });
    assert.deepEqual(jobState(withCondition('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')), {
      state: 'failed',
      message: 'BackoffLimitExceeded: Job has reached the specified backoff limit',
    });
    assert.equal(jobState(withCondition('FailureTarget', 'DeadlineExceeded')).state, 'failed');
    assert.deepEqual(jobState({ status: { active: 1 } }), { state: 'running' });
    assert.deepEqual(jobState({}), { state: 'running' });
  });
});

describe('templates checked at start', () => {
  it('a good template has no problem', () => assert.deepEqual(templateProblems(TEMPLATE, 'kreboot'), []));

  it('every problem is named with its field', () => {
    const problems = templateProblems(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { namespace: 'other' },
        spec: { parallelism: 3, template: { spec: { restartPolicy: 'Always', containers: [] } } },
      },
      'kreboot',
    );
    assert.deepEqual(problems, [
      'kind: expected Job, found "Pod"',
      'apiVersion: expected batch/v1, found "v1"',
      "metadata.namespace: hook Jobs run in the controller's namespace (kreboot), not other",
      'spec.template.spec.containers: none given',
      'spec.template.spec.restartPolicy: must be Never or OnFailure, found "Always"',
      'spec.parallelism: a hook runs once; leave it unset or 1',
    ]);
    assert.deepEqual(templateProblems('text', 'kreboot'), ['not a YAML or JSON object (expected a batch/v1 Job)']);
  });

  it('a file that is missing or not YAML is a usage problem naming the flag and the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreboot-hook-template-'));
    const problems: string[] = [];
    assert.equal(readHookTemplate('pre-drain-hook-job', join(dir, 'missing.yaml'), 'kreboot', problems), undefined);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'kind: [unclosed');
    readHookTemplate('post-reboot-hook-job', bad, 'kreboot', problems);
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /^--pre-drain-hook-job: cannot read .*missing\.yaml: ENOENT/);
    assert.match(problems[1]!, /^--post-reboot-hook-job: cannot read .*bad\.yaml/);
  });

  it('the controller reads the templates and the hook flags, and refuses bad ones listing every problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreboot-hook-flags-'));
    const good = join(dir, 'job.yaml');
    writeFileSync(
      good,
      'apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: h, image: h}]\n',
    );
    const base = ['--webhook-auth=none', '--ds-namespace=kreboot'];
    const loaded = loadControllerConfig([...base, `--pre-drain-hook-job=${good}`, '--hook-timeout=2m', '--hook-failure=halt'], {});
    assert.deepEqual(loaded.problems, []);
    assert.deepEqual(Object.keys(loaded.config.hooks!.jobs), ['pre-drain']);
    assert.equal(loaded.config.hooks!.timeoutMs, 120_000);
    assert.equal(loaded.config.hooks!.onFailure, 'halt');
    assert.equal(loaded.config.hooks!.namespace, 'kreboot');
    const bad = loadControllerConfig(
      [...base, `--post-reboot-hook-job=${join(dir, 'nope.yaml')}`, '--hook-timeout=0s', '--hook-failure=maybe'],
      {},
    );
    assert.equal(bad.problems.length, 3, bad.problems.join('\n'));
    assert.ok(bad.problems.some((problem) => problem.startsWith('--post-reboot-hook-job: cannot read')));
    assert.ok(bad.problems.some((problem) => problem.startsWith('--hook-timeout')));
    assert.ok(bad.problems.some((problem) => problem.includes('--hook-failure') && problem.includes('skip-node, halt')));
    const defaults = loadControllerConfig(base, {});
    assert.deepEqual(defaults.config.hooks, { jobs: {}, timeoutMs: 600_000, onFailure: 'skip-node', namespace: 'kreboot' });
  });
});
