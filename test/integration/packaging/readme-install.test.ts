// The README's "Install on your cluster" is followed as written: its shell block runs with bash on a
// private control plane with two KWOK nodes (the block uses the namespace `kreboot`, which other
// packaging tests use on the shared one). Only the image build and push cannot happen here (no
// registry; image.test.ts builds the same Dockerfile): `podman` is a stand-in on PATH that checks
// it is asked to build this repository's Dockerfile under the name later pushed, and records it.
// helm and kubectl are the real ones. Then: the release runs the image the block pushed, both roles
// roll out, and the nodes' phase column is printed.

import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../harness/control-plane.ts';
import { nodeObject } from '../../harness/workloads.ts';
import { helm, kubectl, kubectlOk, ROOT, run } from '../../harness/packaging/cli-tools.ts';

const dir = mkdtempSync(join(tmpdir(), 'kreboot-readme-'));
let controlPlane: ControlPlane;

before(async () => {
  controlPlane = await startControlPlane();
  const kc = new KubeConfig();
  kc.loadFromFile(controlPlane.info.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  for (const index of [0, 1]) await core.createNode({ body: nodeObject(`readme-node-${index}`, 'readme', index, {}) });
});
after(async () => {
  await controlPlane?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The first ```sh block under the README heading "Install on your cluster". */
function installBlock(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith('Install on your cluster'));
  assert.ok(section, 'the README has an "Install on your cluster" section');
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'the section has a sh block');
  return block;
}

/** The stand-in `podman`: build must be of this repository's Dockerfile, push of what was built. */
function podmanStandIn(log: string): string {
  return `#!/usr/bin/env bash
set -euo pipefail
case "$1" in
  build)
    [ "$2" = "-t" ] && [ "$4" = "." ] && [ -f Dockerfile ] || { echo "podman stand-in: unexpected build: $*" >&2; exit 2; }
    echo "built $3" >> "${log}" ;;
  push)
    grep -qx "built $2" "${log}" || { echo "podman stand-in: push of $2, which was not built" >&2; exit 2; }
    echo "pushed $2" >> "${log}" ;;
  *) echo "podman stand-in: unexpected $*" >&2; exit 2 ;;
esac
`;
}

test("the README's install block runs as written: image, namespace, helm install, both roles rolled out", async () => {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const log = join(dir, 'podman.log');
  writeFileSync(join(bin, 'podman'), podmanStandIn(log));
  chmodSync(join(bin, 'podman'), 0o755);
  const script = join(dir, 'install.sh');
  writeFileSync(script, `set -euo pipefail\n${installBlock()}`);
  const path = [bin, dirname(helm()), dirname(kubectl()), process.env.PATH].join(':');
  const result = run('bash', [script], undefined, { ...process.env, PATH: path, KUBECONFIG: controlPlane.info.kubeconfigPath });
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);

  const image = /REGISTRY=(\S+)/.exec(installBlock())?.[1];
  assert.ok(image);
  assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), [`built ${image}/kreboot:0.1.0`, `pushed ${image}/kreboot:0.1.0`]);
  const kubeconfig = controlPlane.info.kubeconfigPath;
  const deployment = JSON.parse(kubectlOk(kubeconfig, ['-n', 'kreboot', 'get', 'deployment', 'kreboot-controller', '-o', 'json']));
  assert.equal(deployment.spec.template.spec.containers[0].image, `${image}/kreboot:0.1.0`, 'the release runs the image pushed');
  assert.ok(deployment.spec.template.spec.containers[0].args.includes('--trigger=node'), 'no Prometheus needed: the node trigger');
  assert.equal(deployment.status.readyReplicas, deployment.spec.replicas);
  const daemonSet = JSON.parse(kubectlOk(kubeconfig, ['-n', 'kreboot', 'get', 'daemonset', 'kreboot-agent', '-o', 'json']));
  assert.equal(daemonSet.status.numberReady, 2, 'an agent on each node');
  assert.match(result.stdout, /NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+PHASE/, 'the nodes with their phase column');
});
