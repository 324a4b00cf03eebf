// Reads the packaging files (deploy/, alertmanager/) as plain objects: for the packaging unit
// tests, and for the harness's reading of the agent's command.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';

export const ROOT = join(import.meta.dirname, '..', '..', '..');

export function readText(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are free-form YAML
export type Doc = any;

export function readDocs(path: string): Doc[] {
  return (loadAllYaml(readText(path)) as Doc[]).filter((doc) => doc !== null && doc !== undefined);
}

export function findDoc(path: string, kind: string, name?: string): Doc {
  const doc = readDocs(path).find((d: Doc) => d.kind === kind && (name === undefined || d.metadata?.name === name));
  if (doc === undefined) throw new Error(`${path}: no ${kind}${name === undefined ? '' : ` named ${name}`}`);
  return doc;
}

/** The `--name=value` arguments of a container, as a map (repeated flags keep the last value). */
export function flagArgs(args: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (const arg of args) {
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    if (match?.[1] !== undefined) flags.set(match[1], match[2] ?? '');
  }
  return flags;
}
