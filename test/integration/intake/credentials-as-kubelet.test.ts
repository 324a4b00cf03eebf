// The non-root controller can read its credentials as a real kubelet leaves them. For every way of
// installing kreboot (kustomize base and overlays, the Helm chart with several values), the rendered
// Deployment's user, group, fsGroup and Secret volume mode decide the files' owner and mode the way
// the kubelet sets them (root-owned; with fsGroup, group fsGroup and mode | 0440). Then the real
// controller runs as UID 65532 with files laid out that way: it starts and accepts the token; with
// the files as the kubelet leaves them without fsGroup it stops at once, naming the file.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { loadAllYaml } from '@kubernetes/client-node';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { freePort } from '../../harness/ports.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { helmTemplate, kustomize } from '../../harness/packaging/cli-tools.ts';

const CLI = resolve(import.meta.dirname, '../../../src/cli.ts');
const tmp = mkdtempSync(join(tmpdir(), 'kreboot-kubelet-'));
chmodSync(tmp, 0o755);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

interface Variant {
  readonly name: string;
  readonly manifests: () => string;
}

function helmVariant(name: string, values: object): Variant {
  return {
    name: `helm ${name}`,
    manifests: () => {
      const file = join(tmp, `${name}.json`);
      writeFileSync(file, JSON.stringify(values));
      return helmTemplate('cred', 'kreboot', file);
    },
  };
}

const VARIANTS: Variant[] = [
  { name: 'kustomize deploy/base', manifests: () => kustomize('deploy/base') },
  { name: 'kustomize deploy/overlays/signal', manifests: () => kustomize('deploy/overlays/signal') },
  { name: 'kustomize deploy/overlays/prometheus-operator', manifests: () => kustomize('deploy/overlays/prometheus-operator') },
  helmVariant('default', {}),
  helmVariant('basic-auth', { controller: { credentials: { webhookUsername: 'alertmanager', adminToken: false } } }),
  helmVariant('existing-secret', { controller: { credentials: { existingSecret: 'mine' } } }),
  helmVariant('own-user', { controller: { podSecurityContext: { runAsUser: 1234 } } }),
];

/** What the pod runs as and how the kubelet lays out the credentials Secret volume. */
interface Layout {
  readonly uid: number;
  readonly gid: number;
  readonly fsGroup: number | undefined;
  readonly defaultMode: number;
  readonly files: string[];
}

function layoutOf(manifests: string): Layout {
  const docs = loadAllYaml(manifests) as Doc[];
  const deployment = docs.find((d) => d?.kind === 'Deployment' && d.spec.template.spec.containers[0].args[0] === 'controller');
  assert.ok(deployment, 'no controller Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const mount = container.volumeMounts.find((m: Doc) => m.name === 'credentials');
  const volume = pod.volumes.find((v: Doc) => v.name === 'credentials');
  const security = { ...pod.securityContext, ...container.securityContext };
  const files = (container.args as string[])
    .filter((a) => /^--(webhook-token|webhook-password|admin-token)-file=/.test(a))
    .map((a) => a.slice(a.indexOf('=') + 1));
  assert.ok(files.length > 0, 'the controller reads no credentials file');
  for (const file of files) assert.ok(file.startsWith(`${mount.mountPath}/`), `${file} is not in the credentials volume`);
  return {
    uid: security.runAsUser,
    gid: security.runAsGroup ?? 0,
    fsGroup: pod.securityContext?.fsGroup,
    defaultMode: volume.secret.defaultMode ?? 0o644,
    files: files.map((f) => f.slice(mount.mountPath.length + 1)),
  };
}

/** The kubelet's layout of a Secret file: root-owned; with fsGroup, group-owned by it with g+r. */
function kubeletFile(layout: Layout): { uid: number; gid: number; mode: number } {
  return layout.fsGroup === undefined
    ? { uid: 0, gid: 0, mode: layout.defaultMode }
    : { uid: 0, gid: layout.fsGroup, mode: layout.defaultMode | 0o440 };
}

/** Whether a process (uid, primary gid, supplementary fsGroup) may read such a file. */
function canRead(layout: Layout): boolean {
  const file = kubeletFile(layout);
  if (layout.uid === 0) return true;
  if (file.uid === layout.uid) return (file.mode & 0o400) !== 0;
  if (file.gid === layout.gid || file.gid === layout.fsGroup) return (file.mode & 0o040) !== 0;
  return (file.mode & 0o004) !== 0;
}

let cluster: Cluster;
const children: ChildProcess[] = [];

before(async () => {
  cluster = await startCluster();
});
after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await cluster?.stop();
});

test('every rendered install runs the controller non-root and lets it read its credentials files', () => {
  for (const variant of VARIANTS) {
    const layout = layoutOf(variant.manifests());
    assert.notEqual(layout.uid, 0, `${variant.name}: runs as root`);
    assert.ok(
      canRead(layout),
      `${variant.name}: uid ${layout.uid} cannot read files ${JSON.stringify(kubeletFile(layout))} (fsGroup ${layout.fsGroup})`,
    );
    assert.equal(layout.defaultMode & 0o007, 0, `${variant.name}: credentials readable by everyone`);
  }
});

/** Lays out the credentials as the kubelet would for `layout`, and a kubeconfig the user can read. */
function prepare(name: string, layout: Layout): { dir: string; kubeconfig: string } {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'credentials'), { recursive: true });
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'credentials'), 0o755);
  const file = kubeletFile(layout);
  for (const secret of layout.files) {
    const path = join(dir, 'credentials', secret);
    writeFileSync(path, `${secret}-value\n`);
    chownSync(path, file.uid, file.gid);
    chmodSync(path, file.mode);
  }
  const kubeconfig = join(dir, 'kubeconfig');
  copyFileSync(cluster.kubeconfigPath, kubeconfig);
  chownSync(kubeconfig, layout.uid, layout.gid);
  chmodSync(kubeconfig, 0o600);
  return { dir, kubeconfig };
}

async function runController(
  layout: Layout,
  dir: string,
  kubeconfig: string,
  port: number,
): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  const namespace = await cluster.newNamespace('cred');
  const args = [
    CLI,
    'controller',
    `--kubeconfig=${kubeconfig}`,
    `--ds-namespace=${namespace}`,
    '--ds-name=kreboot-agent',
    '--metrics-host=127.0.0.1',
    `--metrics-port=${port}`,
    '--leader-elect=false',
    '--log-format=json',
  ];
  for (const secret of layout.files) {
    if (secret === 'webhook-password') args.push('--webhook-username=alertmanager');
    args.push(`--${secret}-file=${join(dir, 'credentials', secret)}`);
  }
  const child = spawn(process.execPath, args, { uid: layout.uid, gid: layout.gid, cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => output, exited };
}

test('the controller runs as UID 65532 with the files as the kubelet leaves them with fsGroup', { timeout: 90_000 }, async () => {
  const layout = layoutOf(kustomize('deploy/base'));
  assert.equal(layout.uid, 65532);
  const { dir, kubeconfig } = prepare('with-fsgroup', layout);
  const port = await freePort();
  const run = await runController(layout, dir, kubeconfig, port);
  try {
    await waitFor(
      async () => {
        if (run.child.exitCode !== null) throw new Error(`controller exited ${run.child.exitCode}: ${run.output()}`);
        return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok;
      },
      { timeoutMs: 60_000, what: 'the controller running as 65532 to be ready' },
    );
    const post = (token: string) =>
      fetch(`http://127.0.0.1:${port}/api/v1/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"version":"4","alerts":[]}',
      });
    assert.equal((await post('webhook-token-value')).status, 200, 'the token read from the file works');
    assert.equal((await post('wrong')).status, 401);
  } finally {
    run.child.kill('SIGTERM');
    await run.exited;
  }
});

test(
  'without fsGroup the kubelet leaves them root-owned: the controller stops at once and names the file',
  { timeout: 60_000 },
  async () => {
    const layout = { ...layoutOf(kustomize('deploy/base')), fsGroup: undefined };
    assert.equal(canRead(layout), false);
    const { dir, kubeconfig } = prepare('without-fsgroup', layout);
    const run = await runController(layout, dir, kubeconfig, await freePort());
    assert.equal(await run.exited, 2, run.output());
    assert.match(run.output(), /--webhook-token-file: cannot read .*webhook-token \(EACCES\)/);
  },
);
