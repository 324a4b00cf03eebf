// A simulated host behind one KWOK node: a folder with its reboot sentinel, boot ID and /proc/stat
// (btime: the boot time) files, the real `kreboot agent` for the node, and a reboot command that
// only leaves a marker file. The host watches for that marker and then "reboots": the agent is
// killed (power cut), the node goes NotReady (kwok-power.ts), and after `downMs` the boot ID and
// boot time change, the sentinel is gone (as after a real reboot that installed the update), the
// node is Ready again and a fresh agent starts on the same metrics port. A host told never to
// return stays down; one told to ignore its next reboot stays up under the same boot (the command
// "succeeded" and did nothing).

import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CoreV1Api } from '@kubernetes/client-node';
import { freePort } from '../ports.ts';
import { startAgent as launchAgent, type AgentProcess } from '../agent/agent-process.ts';
import { powerOff, powerOn } from './kwok-power.ts';

export interface HostEvent {
  readonly at: Date;
  readonly node: string;
  readonly what: 'reboot command ran' | 'powered off' | 'powered on' | 'agent started';
}

export interface SimulatedHost {
  readonly node: string;
  readonly dir: string;
  readonly sentinel: string;
  /** host:port Prometheus scrapes. */
  readonly metricsTarget: string;
  readonly bootIds: readonly string[];
  /** When each boot began, as /proc/stat's btime shows it (the first one `bootedAgoMs` before the host was created). */
  readonly bootTimes: readonly Date[];
  /** Times the reboot command ran. */
  readonly reboots: number;
  start(): Promise<void>;
  /** What a package upgrade does: creates the sentinel. */
  requireReboot(): void;
  /** From now on a reboot leaves the node down for good. */
  neverReturn(): void;
  /** The next reboot command does nothing: the host stays up, Ready, under the same boot. */
  ignoreNextReboot(): void;
  stop(): Promise<void>;
}

export interface HostOptions {
  readonly node: string;
  readonly root: string;
  readonly kubeconfig: string;
  readonly core: CoreV1Api;
  /** How long a reboot keeps the node down (default 3 s). */
  readonly downMs?: number;
  /** How long ago the host booted when the scenario starts (default one hour), for --max-node-age. */
  readonly bootedAgoMs?: number;
  readonly onEvent?: (event: HostEvent) => void;
  /** More agent flags (a manifest's), after the host's own: they must not set the host's paths or port; a --period replaces the host's 1 s. */
  readonly args?: readonly string[];
}

export async function createHost(options: HostOptions): Promise<SimulatedHost> {
  const { node, core } = options;
  const dir = join(options.root, node);
  mkdirSync(dir, { recursive: true });
  const sentinel = join(dir, 'reboot-required');
  const bootIdFile = join(dir, 'boot_id');
  const marker = join(dir, 'reboot-requested');
  const rebootScript = join(dir, 'reboot');
  // Run by the agent through nsenter in "the host's" mount namespace; exits 0 like `systemctl reboot`.
  writeFileSync(rebootScript, `#!/bin/sh\ndate -u +%FT%T.%NZ > '${marker}'\n`);
  chmodSync(rebootScript, 0o755);
  const bootIds = [`${node}-boot-1`];
  writeFileSync(bootIdFile, `${bootIds[0]}\n`);
  const statFile = join(dir, 'stat');
  // btime has a resolution of one second, like the kernel's.
  const writeBootTime = (at: Date) =>
    writeFileSync(statFile, `cpu  2255 34 2290 22625563\nbtime ${Math.floor(at.getTime() / 1000)}\nprocesses 2915\n`);
  const bootTimes = [new Date(Math.floor((Date.now() - (options.bootedAgoMs ?? 3_600_000)) / 1000) * 1000)];
  writeBootTime(bootTimes[0]!);
  const port = await freePort();
  let agent: AgentProcess | undefined;
  let rebooting = false;
  let returns = true;
  let ignoreNext = false;
  let stopped = false;
  let reboots = 0;
  const emit = (what: HostEvent['what']) => options.onEvent?.({ at: new Date(), node, what });

  // The rig checks every second; a --period among the extra args (the shipped 1h) replaces that.
  const period = options.args?.some((arg) => arg.startsWith('--period=')) ? [] : ['--period=1s'];
  const startAgent = async () => {
    agent = await launchAgent({
      node,
      kubeconfig: options.kubeconfig,
      port,
      dir,
      logLevel: 'info',
      args: [
        `--reboot-sentinel=${sentinel}`,
        `--boot-id-file=${bootIdFile}`,
        `--proc-stat-file=${statFile}`,
        ...period,
        `--reboot-command=${rebootScript}`,
        ...(options.args ?? []),
      ],
    });
    emit('agent started');
  };

  const reboot = async () => {
    rebooting = true;
    reboots++;
    emit('reboot command ran');
    rmSync(marker, { force: true });
    await agent?.kill();
    await powerOff(core, node);
    emit('powered off');
    if (!returns) return; // stays down: `rebooting` stays true so nothing restarts it
    await new Promise((resolve) => setTimeout(resolve, options.downMs ?? 3_000));
    if (stopped) return;
    bootIds.push(`${node}-boot-${bootIds.length + 1}`);
    writeFileSync(bootIdFile, `${bootIds.at(-1)}\n`);
    bootTimes.push(new Date(Math.floor(Date.now() / 1000) * 1000));
    writeBootTime(bootTimes.at(-1)!);
    rmSync(sentinel, { force: true });
    await powerOn(core, node, bootIds.at(-1)!);
    emit('powered on');
    await startAgent();
    rebooting = false;
  };

  // Polling (not fs.watch, which misses events on some file systems); bounded by stop().
  const watcher = setInterval(() => {
    if (rebooting || stopped || !existsSync(marker)) return;
    if (ignoreNext) {
      ignoreNext = false;
      reboots++;
      emit('reboot command ran');
      rmSync(marker, { force: true });
      return;
    }
    void reboot().catch((error: unknown) => process.stderr.write(`[host ${node}] simulated reboot failed: ${String(error)}\n`));
  }, 200);
  watcher.unref();

  return {
    node,
    dir,
    sentinel,
    metricsTarget: `127.0.0.1:${port}`,
    bootIds,
    bootTimes,
    get reboots() {
      return reboots;
    },
    start: startAgent,
    requireReboot() {
      writeFileSync(sentinel, 'simulated package upgrade\n');
    },
    neverReturn() {
      returns = false;
    },
    ignoreNextReboot() {
      ignoreNext = true;
    },
    async stop() {
      stopped = true;
      clearInterval(watcher);
      await agent?.stop();
    },
  };
}
