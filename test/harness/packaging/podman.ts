// kreboot's built image for the image tests: the archive scripts/build-image.sh makes (built here
// if the cache lacks it), loaded into podman's local store, and containers run the way these
// machines allow: runc with cgroupfs (crun refuses the hybrid cgroup layout) and ulimits within
// this process's hard limits, capped as the script caps them. Each container is removed by its own
// name, never by a pattern: other sessions may run containers on the same machine.

import { readFileSync, statSync } from 'node:fs';
import { run, type RunResult } from './cli-tools.ts';

const GLOBAL_FLAGS = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];

/** A hard limit from /proc/self/limits ("Max open files  20000  20000  files"), capped. */
function hardLimit(name: string, cap: number): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(name));
  const hard = line?.trim().split(/\s{2,}/)[2];
  return hard === undefined || hard === 'unlimited' ? cap : Math.min(Number(hard), cap);
}

/** podman's defaults are above these machines' hard limits; 32768 processes is what podman's runtime gets. */
export function ulimitFlags(): string[] {
  const nofile = hardLimit('Max open files', 1_048_576);
  const nproc = hardLimit('Max processes', 32_768);
  return ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`];
}

export function podman(args: readonly string[]): RunResult {
  return run('podman', [...GLOBAL_FLAGS, ...args]);
}

function ok(what: string, result: RunResult): string {
  if (result.code !== 0) throw new Error(`podman ${what} failed (exit ${result.code}):\n${result.stderr}${result.stdout}`);
  return result.stdout.trim();
}

export interface LoadedImage {
  readonly ref: string;
  readonly id: string;
  /** Uncompressed, as podman reports it. */
  readonly sizeBytes: number;
  /** The archive's size: its layers are gzip-compressed, as a registry stores them. */
  readonly archiveBytes: number;
}

const imageId = (ref: string) => podman(['image', 'inspect', '--format', '{{.Id}}', ref]).stdout.trim();

/**
 * `podman load` of the archive; the image is found under the ref the archive names. The image the
 * ref named before (another checkout's build) is removed, so loads do not pile up in the store.
 */
export function loadImage(archive: string, ref: string): LoadedImage {
  const previous = imageId(ref);
  const out = ok('load', podman(['load', '--quiet', '-i', archive]));
  const loaded = /^Loaded image(?:\(s\))?: (\S+)$/m.exec(out)?.[1];
  if (loaded !== ref) throw new Error(`podman load of ${archive} gave ${loaded ?? 'no image'}, not ${ref}: ${out}`);
  const [id = '', size = ''] = ok('image inspect', podman(['image', 'inspect', '--format', '{{.Id}} {{.Size}}', ref])).split(' ');
  if (previous !== '' && previous !== id) podman(['rmi', previous]);
  return { ref, id, sizeBytes: Number(size), archiveBytes: statSync(archive).size };
}

/** One-shot run of the image (removed when done), for commands that exit. */
export function runOnce(image: string, options: readonly string[], args: readonly string[] = []): RunResult {
  return podman(['run', '--rm', '--network=host', ...ulimitFlags(), ...options, image, ...args]);
}

export interface Container {
  readonly name: string;
  running(): boolean;
  logs(): string;
  exec(argv: readonly string[]): RunResult;
  inspect(format: string): string;
  remove(): void;
}

const live = new Set<string>();
process.on('exit', () => {
  for (const name of live) podman(['rm', '--force', '--time', '0', name]);
});

/** A detached container on the host's network (servers on 127.0.0.1 only), removed by `remove()` or at exit. */
export function startContainer(name: string, image: string, options: readonly string[], args: readonly string[]): Container {
  ok(`run ${name}`, podman(['run', '--detach', '--name', name, '--network=host', ...ulimitFlags(), ...options, image, ...args]));
  live.add(name);
  const inspect = (format: string) => ok(`inspect ${name}`, podman(['container', 'inspect', '--format', format, name]));
  return {
    name,
    running: () => inspect('{{.State.Running}}') === 'true',
    logs: () => {
      const result = podman(['logs', name]);
      return result.stdout + result.stderr;
    },
    exec: (argv) => podman(['exec', name, ...argv]),
    inspect,
    remove() {
      podman(['rm', '--force', '--time', '5', name]);
      live.delete(name);
    },
  };
}
