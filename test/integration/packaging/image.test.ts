// kreboot's image as built (scripts/build-image.sh: the shipped Dockerfile on a local Node 24 base),
// checked the way a user would: the archive is what `ctr images import` and `podman load` name
// ghcr.io/kreboot/kreboot:<version>; the controller starts from it as 65532 on a read-only root
// filesystem and leads against the test control plane; the agent starts from it with the
// DaemonSet's command and reports its sentinel on /metrics and on its Node; nsenter is there and
// npm is not; and its size is reported and bounded. dockerfile.test.ts checks the Dockerfile's text.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { daemonSetNodeFlags } from '../../harness/agent/agent-bundle.ts';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { freePort } from '../../harness/ports.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { imageArchive, IMAGE_REF as REF } from '../../harness/packaging/image.ts';
import { loadImage, runOnce, startContainer, type Container, type LoadedImage } from '../../harness/packaging/podman.ts';
import { ROOT } from '../../harness/packaging/cli-tools.ts';
import { closure } from '../../../scripts/prune-modules.ts';
import { RUNTIME_EXTERNALS } from '../../../scripts/runtime-externals.ts';

const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dependencies?: Record<string, string> }>;
};
// Run by the image's node: prints node_modules/<name> (and nested node_modules/…) per package.
const LIST_PACKAGES = `
const { existsSync, readdirSync } = require('node:fs');
const walk = (dir, key) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    if (entry.name.startsWith('@')) { walk(dir + '/' + entry.name, key + entry.name + '/'); continue; }
    if (existsSync(dir + '/' + entry.name + '/package.json')) console.log(key + entry.name);
    if (existsSync(dir + '/' + entry.name + '/node_modules')) walk(dir + '/' + entry.name + '/node_modules', key + entry.name + '/node_modules/');
  }
};
if (existsSync('/app/node_modules')) walk('/app/node_modules', 'node_modules/');`;
const MB = 1_000_000;
// Measured at 247 MB uncompressed, 85 MB as the archive's gzip layers (docs/deploy.md, "Image"):
// the node:24-trixie-slim stand-in (227 MB: Node's binary 122 MB, Debian 80 MB, npm's 19 MB left
// in the base layer) and the bundles (pino-pretty, 1 MB, left with the logfmt text format). The bounds leave room to grow a little; the
// whole production node_modules coming back (+115 MB) or devDependencies (+270 MB) break them.
// kured's image: 54 MB uncompressed, 17 MB as an archive (a 49 MB Go binary on alpine).
const MAX_SIZE_MB = 275;
const MAX_ARCHIVE_MB = 95;

let archive: string;
let image: LoadedImage;
let cluster: Cluster;
let dir: string;

before(
  async () => {
    archive = imageArchive();
    image = loadImage(archive, REF);
    cluster = await startCluster();
    // Readable by the controller's uid 65532 through the bind mounts (a mkdtemp folder is 0700).
    dir = mkdtempSync(join(tmpdir(), 'kreboot-image-test-'));
    chmodSync(dir, 0o755);
  },
  { timeout: 900_000 },
);

after(async () => {
  await cluster?.stop();
});

/** The admin kubeconfig (embedded credentials), in a folder of its own to mount read-only. */
function kubeconfigFolder(name: string): string {
  const folder = join(dir, name);
  mkdirSync(folder, { mode: 0o755 });
  copyFileSync(cluster.kubeconfigPath, join(folder, 'kubeconfig'));
  chmodSync(join(folder, 'kubeconfig'), 0o644);
  return folder;
}

function containerReport(container: Container): string {
  const state = container.inspect('{{.State.Status}} exit={{.State.ExitCode}} {{.State.Error}}');
  return `--- container ${container.name} (${state})\n${container.logs()}`;
}

async function httpText(url: string): Promise<string | undefined> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return res.ok ? res.text() : undefined;
}

function started(t: TestContext, container: Container): Container {
  t.after(async () => {
    await printOnFailure(t, async () => `${containerReport(container)}\n${await cluster.dumpLogs({ print: false })}`);
    container.remove();
  });
  return container;
}

test('the archive names the image as ctr and podman import it: ghcr.io/kreboot/kreboot:<package.json version>', () => {
  const index = JSON.parse(execFileSync('tar', ['-xOf', archive, 'index.json'], { encoding: 'utf8' })) as {
    manifests: { annotations?: Record<string, string> }[];
  };
  assert.equal(index.manifests.length, 1);
  // containerd's importer takes io.containerd.image.name, else a full reference in ref.name.
  const annotations = index.manifests[0]?.annotations ?? {};
  assert.equal(annotations['io.containerd.image.name'] ?? annotations['org.opencontainers.image.ref.name'], REF);
});

test("the image's size is reported and bounded (devDependencies and npm are not in it)", (t) => {
  const size = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;
  t.diagnostic(
    `${REF}: ${size(image.sizeBytes)} uncompressed, ${size(image.archiveBytes)} as an OCI archive (gzip layers); ` +
      `kured 1.23.0's image built the same way: 54 MB uncompressed, 17 MB as an archive`,
  );
  // Every package folder in the image, named as package-lock.json names it: exactly what the
  // bundles load at run time (scripts/runtime-externals.ts: axios); the rest is inside the bundles.
  const modules = runOnce(image.ref, ['--entrypoint', 'node'], ['-e', LIST_PACKAGES]);
  assert.equal(modules.code, 0, modules.stderr);
  const installed = modules.stdout
    .split('\n')
    .filter((line) => line !== '')
    .sort();
  assert.deepEqual(installed, [...closure(lock.packages, RUNTIME_EXTERNALS)].sort(), '/app/node_modules holds the runtime externals only');
  // Each loads from where the bundles load it (/app/dist), with what the image kept of its closure.
  for (const name of RUNTIME_EXTERNALS) {
    const loaded = runOnce(
      image.ref,
      ['--entrypoint', 'node', '--workdir', '/app/dist'],
      ['-e', `import('${name}').then(() => console.log('loaded'))`],
    );
    assert.equal(loaded.code, 0, `${name}: ${loaded.stderr}`);
    assert.match(loaded.stdout, /loaded/);
  }
  assert.ok(image.sizeBytes <= MAX_SIZE_MB * MB, `${size(image.sizeBytes)} uncompressed exceeds ${MAX_SIZE_MB} MB`);
  assert.ok(image.archiveBytes <= MAX_ARCHIVE_MB * MB, `${size(image.archiveBytes)} archive exceeds ${MAX_ARCHIVE_MB} MB`);
});

test('nsenter works in the image, and npm, npx, corepack and yarn are gone', () => {
  const nsenter = runOnce(image.ref, ['--entrypoint', 'nsenter'], ['--version']);
  assert.equal(nsenter.code, 0, nsenter.stderr);
  assert.match(nsenter.stdout, /^nsenter from util-linux \d/);
  const found = runOnce(
    image.ref,
    ['--entrypoint', 'sh'],
    ['-c', 'for t in npm npx corepack yarn yarnpkg; do command -v $t; ls -d /usr/local/lib/node_modules/$t 2>/dev/null; done; true'],
  );
  assert.equal(found.code, 0, found.stderr);
  assert.equal(found.stdout, '', 'none of them is left');
  // Node itself is there and is the base's Node 24.
  const node = runOnce(image.ref, ['--entrypoint', 'node'], ['--version']);
  assert.match(node.stdout, /^v24\./);
});

test('the controller starts from the image as 65532 on a read-only root filesystem and leads against the control plane', async (t) => {
  const namespace = await cluster.newNamespace('image');
  const credentials = kubeconfigFolder('controller');
  writeFileSync(join(credentials, 'webhook-token'), 'image-test-webhook-token\n', { mode: 0o644 });
  writeFileSync(join(credentials, 'admin-token'), 'image-test-admin-token\n', { mode: 0o644 });
  const port = await freePort();
  const pod = cluster.uniqueName('controller');
  // The Deployment's security context: its user (the image's), a read-only root with an emptyDir
  // at /tmp only, no capabilities, no privilege escalation.
  const controller = started(
    t,
    startContainer(
      cluster.uniqueName('kreboot-controller'),
      image.ref,
      [
        '--read-only',
        '--read-only-tmpfs=false',
        '--tmpfs=/tmp:size=16m',
        '--cap-drop=ALL',
        '--security-opt=no-new-privileges',
        `--volume=${credentials}:/etc/kreboot/credentials:ro`,
        `--env=POD_NAME=${pod}`,
      ],
      [
        'controller',
        `--ds-namespace=${namespace}`,
        '--ds-name=kreboot-agent',
        '--kubeconfig=/etc/kreboot/credentials/kubeconfig',
        '--webhook-token-file=/etc/kreboot/credentials/webhook-token',
        '--admin-token-file=/etc/kreboot/credentials/admin-token',
        '--metrics-host=127.0.0.1',
        `--metrics-port=${port}`,
        '--log-format=json',
      ],
    ),
  );

  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await httpText(`${url}/healthz`)) === 'ok', { timeoutMs: 60_000, what: 'the controller container /healthz' });
  await waitFor(async () => (await httpText(`${url}/readyz`)) === 'ok', { timeoutMs: 60_000, what: 'the controller container /readyz' });
  const leases = cluster.kc.makeApiClient(CoordinationV1Api);
  const lease = await waitFor(
    async () => {
      const found = await leases.readNamespacedLease({ namespace, name: 'kreboot-controller' });
      return found.spec?.holderIdentity === pod ? found : undefined;
    },
    { timeoutMs: 60_000, what: `the Lease held by ${pod}` },
  );
  assert.equal(lease.spec?.holderIdentity, pod);

  assert.equal(controller.inspect('{{.HostConfig.ReadonlyRootfs}}'), 'true');
  const status = controller.exec(['cat', '/proc/1/status']);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^Uid:\s+65532\s+65532\s+65532\s+65532$/m);
  assert.match(status.stdout, /^Gid:\s+65532\s+65532\s+65532\s+65532$/m);
  const write = controller.exec(['touch', '/app/written']);
  assert.notEqual(write.code, 0);
  assert.match(write.stderr, /Read-only file system/);
  assert.ok(controller.running(), 'the controller is still running');
  assert.doesNotMatch(controller.logs(), /"level":(50|60)/, 'the controller logged no error');
});

test("the agent starts from the image with the DaemonSet's command and reports its sentinel", async (t) => {
  const [node = ''] = await cluster.createNodes(1);
  t.after(() => cluster.deleteNodes([node]));
  const kube = kubeconfigFolder('agent');
  const sentinel = join(dir, 'sentinel');
  mkdirSync(sentinel, { mode: 0o755 });
  const port = await freePort();
  // deploy/base/agent-daemonset.yaml: root, read-only root filesystem, the sentinel's folder
  // mounted read-only, the command's node flags and the agent bundle.
  const agent = started(
    t,
    startContainer(
      cluster.uniqueName('kreboot-agent'),
      image.ref,
      [
        '--user=0:0',
        '--read-only',
        '--read-only-tmpfs=false',
        `--volume=${sentinel}:/sentinel:ro`,
        `--volume=${kube}:/etc/kreboot/kube:ro`,
        `--env=KURED_NODE_ID=${node}`,
        '--entrypoint=node',
      ],
      [
        ...daemonSetNodeFlags(),
        '/app/dist/kreboot-agent.cjs',
        'agent',
        '--reboot-sentinel=/sentinel/reboot-required',
        '--kubeconfig=/etc/kreboot/kube/kubeconfig',
        '--period=1s',
        '--metrics-host=127.0.0.1',
        `--metrics-port=${port}`,
        '--log-format=json',
      ],
    ),
  );

  const required = async () => {
    const metrics = await httpText(`http://127.0.0.1:${port}/metrics`);
    const line = metrics?.split('\n').find((l) => l.startsWith(`kured_reboot_required{node="${node}"} `));
    return line === undefined ? undefined : line.split(' ').at(-1);
  };
  const annotation = async () => (await cluster.core.readNode({ name: node })).metadata?.annotations?.['kreboot.dev/reboot-required'];
  assert.equal(await waitFor(required, { timeoutMs: 60_000, what: 'kured_reboot_required on the agent container' }), '0');
  await waitFor(async () => (await annotation()) === 'false', { timeoutMs: 60_000, what: "the agent's first report on its Node" });

  writeFileSync(join(sentinel, 'reboot-required'), '');
  await waitFor(async () => (await required()) === '1', { timeoutMs: 30_000, what: 'kured_reboot_required 1 after the sentinel appeared' });
  await waitFor(async () => (await annotation()) === 'true', { timeoutMs: 30_000, what: 'the Node annotated reboot-required' });
  assert.ok(agent.running(), 'the agent is still running');
  assert.doesNotMatch(agent.logs(), /"level":(50|60)/, 'the agent logged no error');
});
