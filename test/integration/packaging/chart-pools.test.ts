// The chart's node pools (docs/pools.md): `pools` renders one ConfigMap that the controller and
// the agents mount as a directory (so a change reaches them) and read with --pools-file; the file
// it renders is one the controller's own loader accepts, with the pools as given; the schema
// refuses a pool named "default" and a key that is not a pool setting; no pools, nothing rendered;
// the kustomize component (deploy/components/pools) does the same for the base.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { loadAll } from 'js-yaml';
import { loadControllerConfig } from '../../../src/config/controller-config.ts';
import { helm, helmTemplate, kubectl, run } from '../../harness/packaging/cli-tools.ts';

interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: {
    template: {
      spec: {
        containers: { name: string; args?: string[]; volumeMounts?: { name: string; mountPath: string }[] }[];
        volumes?: { name: string; configMap?: { name: string } }[];
      };
    };
  };
}

const POOLS = {
  pools: [
    {
      name: 'gpu',
      nodeSelector: 'node.kubernetes.io/pool=gpu',
      concurrency: 2,
      startTime: '22:00',
      endTime: '04:00',
      timeZone: 'Europe/Berlin',
    },
    { name: 'batch', nodeSelector: 'node.kubernetes.io/pool=batch', maxUnavailablePerZone: 1, trigger: 'node', rebootMethod: 'signal' },
  ],
};

function valuesFile(values: object): string {
  const path = join(mkdtempSync(join(tmpdir(), 'chart-pools-')), 'values.json');
  writeFileSync(path, JSON.stringify(values));
  return path;
}

test('pools render one ConfigMap that both roles mount and read with --pools-file, and that the controller accepts', () => {
  const manifests = loadAll(helmTemplate('p', 'kreboot', valuesFile(POOLS))) as Manifest[];
  const configMap = manifests.find((m) => m?.kind === 'ConfigMap' && m.metadata.name === 'p-kreboot-pools');
  assert.ok(configMap, 'the pools ConfigMap');
  for (const kind of ['Deployment', 'DaemonSet']) {
    const workload = manifests.find((m) => m?.kind === kind)!;
    const container = workload.spec!.template.spec.containers[0]!;
    assert.ok(container.args?.includes('--pools-file=/etc/kreboot/pools/pools.yaml'), `${kind} reads the pools file`);
    assert.deepEqual(
      container.volumeMounts?.find((mount) => mount.name === 'pools'),
      { name: 'pools', mountPath: '/etc/kreboot/pools', readOnly: true },
      `${kind} mounts the directory (no subPath: changes reach it)`,
    );
    assert.equal(workload.spec!.template.spec.volumes?.find((volume) => volume.name === 'pools')?.configMap?.name, 'p-kreboot-pools');
  }
  const file = join(mkdtempSync(join(tmpdir(), 'chart-pools-')), 'pools.yaml');
  writeFileSync(file, configMap.data!['pools.yaml']!);
  const loaded = loadControllerConfig(['--webhook-auth=none', `--pools-file=${file}`], {});
  assert.deepEqual(loaded.problems, []);
  assert.deepEqual(
    loaded.config.pools!.map((pool) => [pool.name, pool.concurrency, pool.topology.maxUnavailablePerZone, pool.trigger, pool.ownWindow]),
    [
      ['default', 1, 0, 'alert', false],
      ['gpu', 2, 0, 'alert', true],
      ['batch', 1, 1, 'node', false],
    ],
  );
});

test('no pools: no ConfigMap, no --pools-file', () => {
  const text = helmTemplate('p', 'kreboot');
  assert.doesNotMatch(text, /pools-file|kreboot-pools/);
});

test('the schema refuses a pool named "default" and a key that is not a pool setting', () => {
  for (const pool of [
    { name: 'default', nodeSelector: 'a=b' },
    { name: 'gpu', nodeSelector: 'a=b', concurency: 2 },
  ]) {
    const result = run(helm(), [
      'template',
      'p',
      join(import.meta.dirname, '../../../deploy/helm/kreboot'),
      '--kube-version',
      '1.37.2',
      '--values',
      valuesFile({ pools: [pool], controller: { credentials: { existingSecret: 'x' } } }),
    ]);
    assert.notEqual(result.code, 0, JSON.stringify(pool));
    assert.match(result.stderr, /\/pools\/0/);
  }
});

test('the kustomize component mounts the same file in both roles and passes --pools-file', () => {
  const overlay = mkdtempSync(join(tmpdir(), 'pools-overlay-'));
  const repo = join(import.meta.dirname, '../../..');
  writeFileSync(
    join(overlay, 'kustomization.yaml'),
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [${relative(overlay, join(repo, 'deploy/base'))}]\ncomponents: [${relative(overlay, join(repo, 'deploy/components/pools'))}]\n`,
  );
  const result = run(kubectl(), ['kustomize', overlay]);
  assert.equal(result.code, 0, result.stderr);
  const manifests = loadAll(result.stdout) as Manifest[];
  const configMap = manifests.find((m) => m?.kind === 'ConfigMap' && m.metadata.name === 'kreboot-pools')!;
  const file = join(overlay, 'pools.yaml');
  writeFileSync(file, configMap.data!['pools.yaml']!);
  assert.deepEqual(loadControllerConfig(['--webhook-auth=none', `--pools-file=${file}`], {}).problems, [], 'the example pools load');
  for (const kind of ['Deployment', 'DaemonSet']) {
    const spec = manifests.find((m) => m?.kind === kind)!.spec!.template.spec;
    assert.ok(spec.containers[0]!.args?.includes('--pools-file=/etc/kreboot/pools/pools.yaml'), kind);
    assert.equal(spec.volumes?.find((volume) => volume.name === 'pools')?.configMap?.name, 'kreboot-pools', kind);
  }
});
