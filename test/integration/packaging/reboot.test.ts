// One full reboot with exactly the manifests' identities (rig.ts): the real controller and agent
// under deploy/base's RBAC and the agent admission policy, triggered by the agent's own report
// (--trigger=node). alert-pipeline.test.ts drives the same through Prometheus and Alertmanager.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { createRig, type Rig } from '../../harness/packaging/deployed-roles.ts';
import { applyServerSide, deleteManifests, kustomize } from '../../harness/packaging/cli-tools.ts';

const base = kustomize('deploy/base');
let cluster: Cluster;
let rig: Rig | undefined;

before(async () => {
  cluster = await startCluster();
  const result = applyServerSide(cluster.kubeconfigPath, base);
  assert.equal(result.code, 0, result.stderr);
});

after(async () => {
  await rig?.stop();
  if (cluster) deleteManifests(cluster.kubeconfigPath, base);
  await cluster?.stop();
});

test("the controller and the agent complete a reboot with only the manifests' permissions", async (t) => {
  rig = await createRig(cluster);
  const r = rig;
  t.after(() => printOnFailure(t, () => r.report()));
  r.start(['--trigger=node']);

  // The agent reports its node (boot ID, no reboot needed) with its own token.
  await waitFor(async () => (await r.annotations())['kreboot.dev/boot-id'] === 'boot-before', {
    timeoutMs: 60_000,
    what: "the agent's first report",
  });
  writeFileSync(r.sentinel, '');
  const done = await r.waitRebooted();

  assert.equal(done.metadata?.annotations?.['kreboot.dev/boot-id'], 'boot-after');
  assert.equal(done.metadata?.annotations?.['kreboot.dev/reboot-required'], 'false');
  for (const child of r.processes) assert.ok(child.running(), `${child.name} exited`);
  for (const child of r.processes) assert.doesNotMatch(child.tail(1000), /forbidden|\b403\b/i, `${child.name} was denied something`);
});
