// The Helm chart installed for real (helm install against the test API server), and the containers'
// arguments it produced, made runnable on loopback: only the flags that name in-cluster things
// (mounted files, the pod's port, in-cluster URLs) are swapped, everything else runs as rendered.

import { loadAllYaml } from '@kubernetes/client-node';
import { join } from 'node:path';
import { helm, ROOT, run, type RunResult } from './cli-tools.ts';

export const CHART = join(ROOT, 'deploy/helm/kreboot');

/** `helm install` of the chart into `namespace` (which must exist) with the values files in order. */
export function helmInstall(kubeconfig: string, release: string, namespace: string, valuesFiles: readonly string[]): RunResult {
  return run(helm(), [
    'install',
    release,
    CHART,
    '--kubeconfig',
    kubeconfig,
    '--namespace',
    namespace,
    ...valuesFiles.flatMap((file) => ['--values', file]),
  ]);
}

export function helmUninstall(kubeconfig: string, release: string, namespace: string): RunResult {
  return run(helm(), ['uninstall', release, '--kubeconfig', kubeconfig, '--namespace', namespace, '--wait', '--timeout', '120s']);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are free-form YAML
type Doc = any;

/** The installed release's objects, as helm rendered them. */
export function releaseObjects(kubeconfig: string, release: string, namespace: string): Doc[] {
  const result = run(helm(), ['get', 'manifest', release, '--kubeconfig', kubeconfig, '--namespace', namespace]);
  if (result.code !== 0) throw new Error(`helm get manifest ${release}: ${result.stderr}`);
  return (loadAllYaml(result.stdout) as Doc[]).filter((doc) => doc);
}

export function findObject(objects: readonly Doc[], kind: string, name?: string): Doc {
  const found = objects.find((doc) => doc.kind === kind && (name === undefined || doc.metadata?.name === name));
  if (!found)
    throw new Error(
      `the release has no ${kind}${name ? ` ${name}` : ''}: ${objects.map((doc) => `${doc.kind}/${doc.metadata?.name}`).join(', ')}`,
    );
  return found;
}

/**
 * A container's arguments with some flags replaced: every `--name` / `--name=value` of a listed
 * flag is removed, then the given values appended (a list gives the flag once per item; undefined
 * only removes). The rest stays as rendered and in order.
 */
export function withFlags(
  args: readonly string[],
  replacements: Readonly<Record<string, string | readonly string[] | undefined>>,
): string[] {
  const names = new Set(Object.keys(replacements));
  const kept = args.filter((arg) => {
    const match = /^--([a-z0-9-]+)(?:=|$)/.exec(arg);
    return !(match?.[1] !== undefined && names.has(match[1]));
  });
  for (const [name, value] of Object.entries(replacements)) {
    if (value === undefined) continue;
    for (const item of typeof value === 'string' ? [value] : value) kept.push(`--${name}=${item}`);
  }
  return kept;
}

/** The value(s) a rendered argument list gives a flag. */
export function flagValues(args: readonly string[], name: string): string[] {
  return args.flatMap((arg) => (arg.startsWith(`--${name}=`) ? [arg.slice(name.length + 3)] : arg === `--${name}` ? [''] : []));
}
