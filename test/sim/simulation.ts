// One seeded simulation run: a small cluster (2–5 nodes in up to three zones, workloads with
// PodDisruptionBudgets, agents), two controller replicas built by the product's own wiring
// (buildDecisionCore) from a configuration parsed from seeded flags (concurrency, zone limits,
// node order, quiet maintenance...), and a scheduler that for a while picks among API calls in
// flight, watch deliveries, agent steps, timers and faults (crashes at an API call, conflicts,
// lost responses, overlapping leaders, agents that fail, hang or never come back, flapping gates,
// Prometheus and Alertmanager down or slow, hosts rebooting by themselves with the kubelet's
// graceful shutdown, Nodes deleted and registered again, zone labels changed, the lock DaemonSet
// deleted and created again, operator pause/resume/reboot, alerts firing, resolving and re-sent,
// an admin's cordon; with the recovery policies drawn on, a node-repair controller that power-cycles,
// replaces or ignores a node handed to it), checking the invariants after every step; then the faults stop, services
// and gates recover, an operator resumes what halted, and every pending request must complete
// within a bounded virtual time (liveness). The same seed replays the same run.

import { loadControllerConfig, type ControllerConfig } from '../../src/config/controller-config.ts';
import { renderMatcherSet, sameMatchers } from '../../src/alertmanager/silence-matchers.ts';
import { isOutOfService } from '../../src/store/node-progress.ts';
import { observeNode } from '../../src/controller/policy/observed-node.ts';
import { withTrigger } from '../../src/controller/policy/plan.ts';
import { resolvePools } from '../../src/controller/pools/pool-specs.ts';
import { seededRandom } from '../harness/seeded-random.ts';
import { Agent, BEHAVIOURS } from './agent-model.ts';
import { ApiModel, readyStatus, SimApiError } from './api-model.ts';
import { createInstance, type Instance } from './controller-instance.ts';
import { Invariants, progressOf, type Violation } from './invariants.ts';
import { AlertmanagerModel, PrometheusModel, type GateState, type ServiceMode } from './outside.ts';
import { Scheduler, settle, type PendingCall } from './scheduler.ts';
import { JobModel } from './job-model.ts';
import type { HookPoint } from '../../src/store/hook-records.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The hook Job template the seeded runs use (ADR 0019), written once per process: a short TTL,
 * which the controller raises to the hook timeout (the model's TTL controller then deletes finished
 * Jobs while runs may still look for them).
 */
const HOOK_TEMPLATE = (() => {
  const file = join(mkdtempSync(join(tmpdir(), 'kreboot-sim-')), 'hook-job.yaml');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {},
      spec: {
        ttlSecondsAfterFinished: 1,
        backoffLimit: 0,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'hook', image: 'hook' }] } },
      },
    }),
  );
  return file;
})();

export interface RunOptions {
  readonly seed: number;
  readonly trace?: boolean;
}

export interface RunResult {
  readonly seed: number;
  readonly violation: Violation | undefined;
  readonly steps: number;
  readonly virtualMs: number;
  readonly rebootsStarted: number;
  readonly trace: readonly string[] | undefined;
  readonly summary: string;
}

const START = Date.parse('2026-01-01T00:00:00.000Z');
const LEASE_MS = 15_000;
const CALM_BUDGET_MS = 2 * 60 * 60_000;
const CALM_MAX_STEPS = 1500;

const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** The mark a simulated node-repair controller watches (--stuck-node-remediation-label). */
const REPAIR_LABEL = 'repair.sim/needed';
const POOL_LABEL = 'pool';
const ZONES = ['zone-a', 'zone-b', 'zone-c'];

interface Choice {
  readonly weight: number;
  readonly run: () => void;
}

export async function runSimulation(options: RunOptions): Promise<RunResult> {
  const random = seededRandom(options.seed);
  const instances: Instance[] = [];
  const s = new Scheduler({
    start: START,
    random,
    trace: options.trace === true,
    alive: (id) => instances.find((inst) => inst.id === id)?.alive === true,
  });
  const iso = () => new Date(s.now).toISOString();

  // ---- The configuration: seeded flags, parsed by the product's own loader
  // Hooks draw from a stream of their own: a run without hooks is the run its seed made before them.
  const hookRandom = seededRandom(options.seed * 7919 + 17);
  const hookChance = (p: number) => hookRandom() < p;
  const nodeCount = 2 + s.int(4);
  // The recovery policies for a node that does not come back (ADR 0020) and the node-repair
  // controller they hand nodes to, drawn from a stream of their own: a seed without them replays
  // as it did before they existed.
  const side = seededRandom(options.seed + 1_000_003);
  const sidePick = <T>(items: readonly T[]): T => items[Math.floor(side() * items.length)]!;
  const remediated = side() < 0.4;
  const recoveryFlags = [
    `--stuck-node-reboot-retries=${sidePick([0, 0, 1, 2])}`, // capped below --max-reboot-attempts once that is drawn
    `--stuck-node-retry-window=${sidePick(['2m', '10m'])}`,
    ...(remediated
      ? [`--stuck-node-remediation-label=${REPAIR_LABEL}=true`, `--stuck-node-remediation-timeout=${sidePick(['5m', '30m'])}`]
      : []),
  ];
  const drainTimeout = s.pick(['0', '0', '5m']);
  const zoned = s.chance(0.5);
  const quiet = s.chance(0.5);
  const flags = [
    '--webhook-auth=none',
    '--ds-namespace=kube-system',
    '--ds-name=kreboot-agent',
    '--lock-annotation=weave.works/kured-node-lock',
    `--concurrency=${1 + s.int(Math.min(3, nodeCount))}`,
    `--lock-ttl=${s.pick(['0', '0', '1h'])}`,
    `--drain-delay=${s.pick(['0', '5s'])}`,
    `--drain-timeout=${drainTimeout}`,
    ...(drainTimeout !== '0' && s.chance(0.3) ? ['--force-reboot'] : []),
    '--reboot-timeout=10m',
    `--max-reboot-attempts=${1 + s.int(3)}`,
    `--lock-release-delay=${s.pick(['0', '0', '30s'])}`,
    `--retry-backoff=${s.pick(['1m', '5m'])}`,
    `--prefer-no-schedule-taint=${s.pick(['', 'kreboot.dev/reboot-pending'])}`,
    ...(s.chance(0.3) ? ['--annotate-nodes'] : []),
    `--trigger=${s.chance(0.25) ? 'node' : 'alert'}`,
    '--gate-recheck-period=30s',
    `--zone-label=${ZONE_LABEL}`,
    ...(zoned ? [`--max-unavailable-per-zone=${1 + s.int(2)}`] : []),
    ...(s.chance(0.3) ? ['--zone-by-zone'] : []),
    ...(s.chance(0.3) ? ['--node-order=tier=canary'] : []),
    // Quiet maintenance with the default --silence-matchers.
    ...(quiet ? ['--alertmanager-url=http://alertmanager.sim:9093'] : []),
    // Hooks around the reboot (ADR 0019): a Job before the drain and/or after the reboot.
    ...(hookChance(0.4) ? [`--pre-drain-hook-job=${HOOK_TEMPLATE}`] : []),
    ...(hookChance(0.4) ? [`--post-reboot-hook-job=${HOOK_TEMPLATE}`] : []),
    `--hook-timeout=${hookChance(0.5) ? '2m' : '5m'}`,
    `--hook-failure=${hookChance(0.3) ? 'halt' : 'skip-node'}`,
    ...recoveryFlags,
    // The workload gate (on by default): off in a fifth of the runs, its timeout halting or
    // continuing. Picked from the seed's number, not its random stream, so the other choices of a
    // seed stay what they were before the gate.
    ...(options.seed % 5 === 0 ? ['--workload-gate=false'] : []),
    `--workload-gate-timeout=${['0', '30s', '2m'][Math.floor(options.seed / 5) % 3]}`,
    `--workload-gate-timeout-action=${['halt', 'continue'][Math.floor(options.seed / 15) % 2]}`,
  ];
  // A quarter of the other runs get the halted node's remediation alert too (halts are rare where a
  // policy recovers nodes).
  const haltAlerts = side() < 0.25;
  // A retry is a reboot of the same request: the loader asks for --max-reboot-attempts above the retries.
  const attempts = Number(flags.find((flag) => flag.startsWith('--max-reboot-attempts='))!.split('=')[1]);
  const retriesAt = flags.findIndex((flag) => flag.startsWith('--stuck-node-reboot-retries='));
  flags[retriesAt] = `--stuck-node-reboot-retries=${Math.min(Number(flags[retriesAt]!.split('=')[1]), attempts - 1)}`;
  const loaded = loadControllerConfig(flags, {});
  if (loaded.problems.length > 0) throw new Error(`the simulation's flags are refused: ${loaded.problems.join('; ')}`);
  // ---- Node pools (docs/pools.md), in 40% of the runs: two pools with their own caps (one may
  // have its own zone cap; the second pool's selector may read the tier, which the faults change).
  // Drawn from a stream of their own so that a run without pools is the run it was before.
  const poolRandom = seededRandom(options.seed ^ 0x5bd1e995);
  const pooled = poolRandom() < 0.4;
  let config: ControllerConfig = loaded.config;
  if (pooled) {
    const cap = () => 1 + Math.floor(poolRandom() * 2);
    const resolved = resolvePools(
      [
        { name: 'pa', nodeSelector: `${POOL_LABEL}=pa`, concurrency: cap(), ...(poolRandom() < 0.5 ? { maxUnavailablePerZone: 1 } : {}) },
        { name: 'pb', nodeSelector: poolRandom() < 0.5 ? `${POOL_LABEL}=pb` : `tier=canary,${POOL_LABEL}!=pa`, concurrency: cap() },
      ],
      config,
    );
    if (resolved.problems.length > 0) throw new Error(`the simulation's pools are refused: ${resolved.problems.join('; ')}`);
    config = { ...config, pools: resolved.pools };
  }
  const poolLabel = (): Record<string, string> => {
    if (!pooled) return {};
    const draw = poolRandom();
    return draw < 0.4 ? { [POOL_LABEL]: 'pa' } : draw < 0.8 ? { [POOL_LABEL]: 'pb' } : {};
  };

  // ---- The cluster
  const model = new ApiModel(
    { now: () => s.now, random, at: (at, label, run) => s.at(at, label, run) },
    { namespace: 'kube-system', name: 'kreboot-agent' },
  );
  const agentHostHooks = new Set<HookPoint>([
    ...(hookChance(0.3) ? (['pre-drain'] as const) : []),
    ...(hookChance(0.3) ? (['post-reboot'] as const) : []),
  ]);
  const jobs = new JobModel({ now: () => s.now, random: hookRandom, at: (at, label, run) => s.at(at, label, run) });
  // Pods that come back slowly (up to 5 min) in a third of the runs: the workload gate then holds
  // the next node, and its timeout runs out. A drain that a budget holds meanwhile makes a pass
  // every 5 s until the replacements are Ready: such runs may take more steps to settle.
  const slowPods = Math.floor(options.seed / 2) % 3 === 0;
  if (slowPods) model.readyWithinMs = 300_000;
  const calmMaxSteps = slowPods ? 6 * CALM_MAX_STEPS : CALM_MAX_STEPS;
  const names = Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`);
  const zones = ZONES.slice(0, 1 + s.int(ZONES.length));
  /** A node's labels as its cloud sets them: a zone (most nodes), and a canary tier for some. */
  const cloudLabels = (): Record<string, string> => ({
    ...(s.chance(0.9) ? { [ZONE_LABEL]: s.pick(zones) } : {}),
    ...(s.chance(0.3) ? { tier: 'canary' } : {}),
    ...poolLabel(),
  });
  const agents = new Map<string, Agent>();
  const late: { invariants?: Invariants } = {};
  const observer = {
    rebootStarted: (node: Parameters<Invariants['rebootStarted']>[0], job: string) => late.invariants!.rebootStarted(node, job),
  };
  const preCordoned = new Set<string>();
  for (const name of names) {
    const agent = new Agent(name, model, s, observer);
    // Host hooks (ADR 0019): the same commands on every agent, as a DaemonSet's flags are.
    agent.hostHooks = agentHostHooks;
    agent.hookRandom = hookRandom;
    agents.set(name, agent);
    const cordoned = s.chance(0.15);
    if (cordoned) preCordoned.add(name);
    model.addNode(name, { unschedulable: cordoned, annotations: agent.initialReport(START - 60_000), labels: cloudLabels() });
    model.addPod({ namespace: 'kube-system', name: `agent-${name}`, node: name, app: 'kreboot-agent', owner: 'DaemonSet', ready: true });
  }
  const schedulable = names.filter((name) => !preCordoned.has(name));
  const deployments = 1 + s.int(2);
  for (let d = 0; d < deployments; d++) {
    const app = `app${d}`;
    const replicas = 2 + s.int(2);
    for (let r = 0; r < replicas; r++)
      model.addPod({
        namespace: 'apps',
        node: s.pick(schedulable.length > 0 ? schedulable : names),
        app,
        owner: 'ReplicaSet',
        ready: true,
      });
    if (s.chance(0.7)) model.pdbs.push({ namespace: 'apps', app, minAvailable: replicas - 1 });
  }
  if (s.chance(0.3)) model.addPod({ namespace: 'apps', name: 'bare', node: s.pick(names), owner: 'bare', ready: true });
  const invariants = new Invariants(model, config, jobs);
  late.invariants = invariants;
  for (const name of preCordoned) invariants.adminCordoned.add(name);

  // ---- Prometheus (gates that flap) and Alertmanager (quiet maintenance), up, slow or down
  const prometheus = new PrometheusModel(s, 1 + s.int(2));
  const gateStates = prometheus.states;
  const alertmanager = quiet ? new AlertmanagerModel(s, invariants) : undefined;
  const silenceSets = config.alertmanager.silenceMatchers;
  invariants.silenceNode = (matchers) =>
    names.find((name) => silenceSets.some((set) => sameMatchers(renderMatcherSet(set, name), matchers)));

  // ---- Controller processes and leadership
  let nextId = 0;
  const start = (slot: number): Instance => {
    const id = ++nextId;
    const inst = createInstance({
      id,
      slot,
      model,
      jobs,
      scheduler: s,
      config,
      gates: prometheus.gatesFor(id),
      alertmanager: alertmanager?.clientFor(id),
      onNotify: (event) => s.note(`  notify ${event.kind} ${event.node}${event.reason ? `: ${event.reason}` : ''}`),
    });
    instances.push(inst);
    s.note(`controller #${inst.id} started (replica ${slot})`);
    return inst;
  };
  const live = () => instances.filter((inst) => inst.alive);
  const leaders = () => instances.filter((inst) => inst.alive && inst.active);
  invariants.leadersOverlap = () => leaders().length > 1;
  const activate = (inst: Instance, active: boolean) => {
    if (!inst.alive || inst.active === active) return;
    inst.active = active;
    if (active) lastLeader = inst;
    s.note(`controller #${inst.id} ${active ? 'leads' : 'stops leading'}`);
    inst.reconciler.setActive(active);
    if (!active) elect(LEASE_MS);
  };
  let lastLeader: Instance | undefined;
  let electionQueued = false;
  /** With no leader, an alive replica takes the Lease once the old one has expired. */
  const elect = (delayMs: number) => {
    if (electionQueued || leaders().length > 0) return;
    electionQueued = true;
    s.at(s.now + delayMs, 'lease expired: election', () => {
      electionQueued = false;
      if (leaders().length > 0) return;
      const candidates = live();
      if (candidates.length > 0) activate(s.pick(candidates), true);
    });
  };
  const kill = (inst: Instance, why: string) => {
    inst.alive = false;
    inst.active = false;
    inst.reconciler.stop();
    s.dropCalls(inst.id);
    s.note(`controller #${inst.id} dies (${why})`);
    s.at(s.now + 5000 + s.int(25_000), `replica ${inst.slot} restarts`, () => {
      start(inst.slot);
      elect(0);
    });
    elect(LEASE_MS);
  };
  activate(start(0), true);
  if (s.chance(0.7)) start(1);

  let faults = true;

  // ---- API calls in flight
  const complete = (call: PendingCall) => {
    s.take(call);
    const inst = instances.find((candidate) => candidate.id === call.owner)!;
    const roll = faults ? s.random() : 1;
    const tag = () => `#${call.owner} ${call.label()}`;
    if (roll < 0.015) {
      kill(inst, s.trace ? `crashed before ${call.label()} reached the API server` : 'crashed');
      return;
    }
    let value: unknown;
    let error: unknown;
    try {
      if (call.kind === 'write' && roll < 0.06) {
        // Another writer got there first (the kubelet's status, the DaemonSet controller).
        if (call.node) {
          const node = model.nodes.get(call.node);
          if (node) model.setNodeStatus(call.node, readyStatus(node) ?? 'True', iso());
        } else model.touchDaemonSet();
        s.note(`  (a concurrent status write changed the resourceVersion first)`);
      }
      value = call.apply();
    } catch (caught) {
      error = caught;
    }
    const outcome = error === undefined ? 'ok' : `→ ${(error as { code?: number }).code ?? 'error'}`;
    if (roll >= 0.015 && roll < 0.03) {
      s.note(() => `${tag()} ${outcome}, then the process crashed`);
      kill(inst, 'crashed after the call');
      return;
    }
    // A write (an Alertmanager call too) applied whose answer never came back: a timeout.
    if (error === undefined && call.kind !== 'read' && roll >= 0.06 && roll < 0.09) {
      s.note(() => `${tag()} applied, response lost`);
      call.reject(new SimApiError(504, 'the response was lost (timeout)'));
      return;
    }
    if (call.kind === 'read' && roll >= 0.09 && roll < 0.11) {
      s.note(() => `${tag()} → 500`);
      call.reject(new SimApiError(500, 'internal error'));
      return;
    }
    s.note(() => `${tag()} ${outcome}`);
    if (error === undefined) call.resolve(value);
    else call.reject(error);
  };

  const report = (what: string, promise: Promise<unknown>) => {
    promise.then(
      (result) => s.note(`  ${what} → ${typeof result === 'object' ? JSON.stringify(result) : String(result)}`),
      (error: unknown) => s.note(`  ${what} failed: ${(error as Error).message}`),
    );
  };

  // ---- External events (only while faults run)
  const episodes = new Map<string, string[]>();
  const anyLive = () => {
    const candidates = live();
    return candidates.length > 0 ? s.pick(candidates) : undefined;
  };
  const externals: Array<[number, () => void]> = [
    [
      3,
      () => {
        const node = s.pick(names);
        const inst = anyLive();
        if (!inst) return;
        const agent = agents.get(node)!;
        if (s.chance(0.8) && !agent.sentinel) {
          agent.sentinel = true;
          agent.reportWanted = true;
          s.note(`host ${node}: reboot-required sentinel set`);
        }
        s.note(`alert RebootRequired fires for ${node} (via #${inst.id})`);
        report(`request ${node}`, inst.requests.request(node, { kind: 'alert', alertname: 'RebootRequired', fingerprint: `rr-${node}` }));
      },
    ],
    [
      config.trigger === 'node' ? 2 : 0.3,
      () => {
        // An update needs a reboot: the host's sentinel appears; with --trigger=node the report is the request.
        const agent = agents.get(s.pick(names))!;
        if (agent.sentinel) return;
        agent.sentinel = true;
        agent.reportWanted = true;
        s.note(`host ${agent.node}: reboot-required sentinel set`);
      },
    ],
    [
      1,
      () => {
        const node = s.pick(names);
        const inst = anyLive();
        if (!inst) return;
        s.note(`alert RebootRequired resolves for ${node} (via #${inst.id})`);
        report(`withdraw ${node}`, inst.requests.withdraw(node, { kind: 'alert', alertname: 'RebootRequired', fingerprint: `rr-${node}` }));
      },
    ],
    [
      2,
      () => {
        const node = s.pick(names);
        const inst = anyLive();
        if (!inst) return;
        const known = episodes.get(node) ?? [];
        const resend = known.length > 0 && s.chance(0.6);
        const startsAt = resend ? s.pick(known) : iso();
        if (!resend) episodes.set(node, [...known, startsAt]);
        s.note(`remediation alert for ${node} ${resend ? 're-sent' : 'fires'} (episode ${startsAt}, via #${inst.id})`);
        report(
          `request ${node}`,
          inst.requests.request(node, { kind: 'remediation', alertname: 'NodeUnhealthy', fingerprint: `rem-${node}`, startsAt }),
        );
      },
    ],
    [
      1,
      () => {
        const node = s.pick(names);
        const inst = anyLive();
        if (!inst) return;
        s.note(`operator: kreboot reboot ${node} (via #${inst.id})`);
        report(`reboot ${node}`, inst.control.reboot(node, 'simulated', 'operator'));
      },
    ],
    [
      0.7,
      () => {
        const inst = anyLive();
        if (!inst) return;
        s.note(`operator: kreboot pause (via #${inst.id})`);
        report('pause', inst.control.pause('simulated', 'operator'));
      },
    ],
    [
      1,
      () => {
        const inst = anyLive();
        if (!inst) return;
        s.note(`operator: kreboot resume (via #${inst.id})`);
        report('resume', inst.control.resume('operator'));
      },
    ],
    [
      0.5,
      () => {
        const candidates = names.filter((name) => {
          const node = model.nodes.get(name);
          return (
            node !== undefined &&
            node.spec?.unschedulable !== true &&
            !isOutOfService(progressOf(node)) &&
            !invariants.adminCordoned.has(name)
          );
        });
        if (candidates.length === 0) return;
        const node = s.pick(candidates);
        invariants.adminCordoned.add(node);
        model.patchNode(node, { spec: { unschedulable: true } });
        s.note(`admin: kubectl cordon ${node}`);
      },
    ],
    [
      2,
      () => {
        const i = s.int(gateStates.length);
        const state: GateState = s.pick(['open', 'open', 'blocked', 'throws']);
        gateStates[i] = state;
        s.note(`gate${i} is now ${state}`);
      },
    ],
    [
      1.5,
      () => {
        const node = s.pick(names);
        const behaviour = s.pick(BEHAVIOURS);
        agents.get(node)!.behaviour = behaviour;
        s.note(`agent ${node} behaviour: ${behaviour}`);
      },
    ],
    [
      1,
      () => {
        // A graceful hand-over: the leader finishes its writes, steps down, the other replica leads.
        const [leader] = leaders();
        const standby = live().find((inst) => !inst.active);
        if (!leader || !standby || s.pending.some((call) => call.owner === leader.id)) return;
        activate(leader, false);
        activate(standby, true);
      },
    ],
    [
      0.7,
      () => {
        // Two leaders: the other replica took the Lease while the old leader still acts, up to a lease.
        const [leader] = leaders();
        const standby = live().find((inst) => !inst.active);
        if (!leader || !standby) return;
        s.note(`fault: controller #${standby.id} takes the Lease while #${leader.id} still acts`);
        activate(standby, true);
        s.at(s.now + 1 + s.int(LEASE_MS), `controller #${leader.id} notices it lost the Lease`, () => activate(leader, false));
      },
    ],
    [
      0.6,
      () => {
        const inst = anyLive();
        if (inst) kill(inst, 'killed');
      },
    ],
    [
      quiet ? 1.5 : 0,
      () => {
        const mode: ServiceMode = s.pick(['up', 'up', 'slow', 'down']);
        alertmanager!.service.mode = mode;
        s.note(`Alertmanager is now ${mode}`);
      },
    ],
    [
      1,
      () => {
        const mode: ServiceMode = s.pick(['up', 'up', 'slow', 'down']);
        prometheus.service.mode = mode;
        s.note(`Prometheus is now ${mode}`);
      },
    ],
    [
      0.5,
      () => {
        // A kernel panic, a cloud's maintenance event: the host reboots without kreboot.
        const agent = agents.get(s.pick(names))!;
        if (agent.rebootsByItself()) s.note(`fault: host ${agent.node} reboots by itself`);
      },
    ],
    [
      0.4,
      () => {
        // An autoscaler removing an unready node, a cloud's auto-repair, `kubectl delete node`.
        const existing = names.filter((name) => model.nodes.has(name));
        if (existing.length === 0) return;
        // Mostly a node that is not Ready or that kreboot gave up on: what those systems remove.
        const unwell = existing.filter((name) => {
          const node = model.nodes.get(name)!;
          return readyStatus(node) !== 'True' || progressOf(node)?.phase === 'failed';
        });
        const node = s.pick(unwell.length > 0 && s.chance(0.7) ? unwell : existing);
        const forGood = s.chance(0.3);
        model.deleteNode(node);
        agents.get(node)!.nodeDeleted();
        invariants.nodeDeleted(node);
        deleted.set(node, forGood);
        s.note(`fault: Node ${node} deleted${forGood ? ' for good' : ''}`);
        if (!forGood && s.chance(0.7)) s.at(s.now + 10_000 + s.int(170_000), `Node ${node} registers again`, () => register(node));
      },
    ],
    [
      0.5,
      () => {
        // The cloud (or an admin) moves a node to another zone or tier while the rollout runs.
        const existing = names.filter((name) => model.nodes.has(name));
        if (existing.length === 0) return;
        const node = s.pick(existing);
        const labels = cloudLabels();
        const was = model.nodes.get(node)!.metadata?.labels ?? {};
        const before = was[ZONE_LABEL];
        const poolBefore = `${was[POOL_LABEL]}|${was['tier']}`;
        model.labelNode(node, {
          [ZONE_LABEL]: labels[ZONE_LABEL] ?? null,
          tier: labels['tier'] ?? null,
          ...(pooled ? { [POOL_LABEL]: labels[POOL_LABEL] ?? null } : {}),
        });
        if (before !== labels[ZONE_LABEL]) invariants.relabelled(node);
        if (pooled && poolBefore !== `${labels[POOL_LABEL]}|${labels['tier']}`) invariants.poolRelabelled(node);
        s.note(`fault: Node ${node} relabelled: zone ${labels[ZONE_LABEL] ?? 'none'}, tier ${labels['tier'] ?? 'none'}`);
      },
    ],
    [
      0.25,
      () => {
        // An uninstall and re-install, a GitOps sync that replaced it: the lock DaemonSet's records go.
        if (!model.daemonSet) return;
        model.deleteDaemonSet();
        s.note('fault: the lock DaemonSet is deleted');
        s.at(s.now + 2000 + s.int(60_000), 'the lock DaemonSet is created again', () => model.createDaemonSet());
      },
    ],
  ];
  /** Deleted Nodes: true for those that never register again (an autoscaler's scale-down). */
  const deleted = new Map<string, boolean>();
  const register = (node: string) => {
    if (model.nodes.has(node) || deleted.get(node) !== false) return;
    deleted.delete(node);
    agents.get(node)!.register(cloudLabels());
    // A new host may come with another pool's labels, while the old host's slot still holds it.
    if (pooled) invariants.poolRelabelled(node);
    s.note(`Node ${node} registered again (a new host, a fresh Node object)`);
  };
  const externalWeight = externals.reduce((sum, [weight]) => sum + weight, 0);

  // ---- The node-repair controller: acts on each handoff once, some time later, as a cloud's
  // repair or Cluster API's remediation would: power-cycles the host, replaces the Node (deleted,
  // then a new host registers under the same name), or does nothing (the repair fails).
  const handoffsSeen = new Set<string>();
  // In the runs that draw a recovery policy (and a quarter of the others), a node that halts the
  // rollout often gets a remediation alert of its own a little later (the alert that acts on a
  // halted node, issue 24), from the same side stream: the other runs replay as before.
  const recoveryOn = remediated || config.stuckNode.retries > 0 || haltAlerts;
  const haltsSeen = new Set<string>();
  const watchHalts = () => {
    for (const [name, node] of model.nodes) {
      const progress = progressOf(node);
      if (progress?.phase !== 'failed' || !progress.haltedRollout || haltsSeen.has(`${name}@${progress.since}`)) continue;
      haltsSeen.add(`${name}@${progress.since}`);
      if (side() >= 0.6) continue;
      const startsAt = new Date(s.now).toISOString();
      s.at(s.now + 1000 + Math.floor(side() * 60_000), `remediation alert fires for the halted ${name}`, () => {
        const candidates = live();
        if (candidates.length === 0) return;
        const inst = candidates[Math.floor(side() * candidates.length)]!;
        s.note(`remediation alert NodeHung fires for the halted ${name} (episode ${startsAt}, via #${inst.id})`);
        report(
          `request ${name}`,
          inst.requests.request(name, { kind: 'remediation', alertname: 'NodeHung', fingerprint: `hung-${name}`, startsAt }),
        );
      });
    }
  };

  const watchRepairs = () => {
    for (const [name, node] of model.nodes) {
      const handedAt = progressOf(node)?.recovery?.handedAt;
      if (node.metadata?.labels?.[REPAIR_LABEL] !== 'true' || !handedAt || handoffsSeen.has(`${name}@${handedAt}`)) continue;
      handoffsSeen.add(`${name}@${handedAt}`);
      const action = sidePick(['power-cycle', 'power-cycle', 'replace', 'replace', 'nothing']);
      s.note(`repair controller: ${name} handed over at ${handedAt}; it will ${action}`);
      s.at(s.now + 5000 + Math.floor(side() * 120_000), `repair controller acts on ${name}: ${action}`, () => {
        const current = model.nodes.get(name);
        if (!current || current.metadata?.labels?.[REPAIR_LABEL] !== 'true') return;
        if (action === 'power-cycle') agents.get(name)!.powerCycle();
        if (action === 'replace') {
          model.deleteNode(name);
          agents.get(name)!.nodeDeleted();
          invariants.nodeDeleted(name);
          deleted.set(name, false);
          s.note(`repair controller: Node ${name} deleted; a replacement registers later`);
          s.at(s.now + 10_000 + Math.floor(side() * 170_000), `replacement for ${name} registers`, () => register(name));
        }
      });
    }
  };

  // ---- Calm phase: the operator resumes halts and re-requests nodes that gave up
  let operatorBusy = false;
  const calmOperator = (): Choice | undefined => {
    if (operatorBusy) return undefined;
    const [leader] = leaders();
    if (!leader) return undefined;
    const halted = invariants.unresumedHalt();
    // A halt the product shows (its record on the lock DaemonSet) is resumed too: after the
    // DaemonSet was re-created, a halt already resumed can be derived again from its node's record.
    if (halted || invariants.paused() || invariants.haltRecorded()) {
      return {
        weight: 2,
        run: () => {
          operatorBusy = true;
          s.note(`operator: kreboot resume (via #${leader.id})`);
          const done = leader.control.resume('operator');
          report('resume', done);
          done.finally(() => (operatorBusy = false)).catch(() => {});
        },
      };
    }
    for (const name of names) {
      const node = model.nodes.get(name);
      if (!node) continue;
      const progress = progressOf(node);
      const request = withTrigger(observeNode(node), config.trigger).request;
      if (
        progress?.phase === 'failed' &&
        progress.final &&
        !progress.haltedRollout &&
        request &&
        !askedAgain.has(`${name}@${progress.since}`)
      ) {
        return {
          weight: 2,
          run: () => {
            operatorBusy = true;
            askedAgain.add(`${name}@${progress.since}`);
            s.note(`operator: kreboot reboot ${name} (it gave up: ${progress.reason})`);
            const done = leader.control.reboot(name, 'retry after giving up', 'operator');
            report(`reboot ${name}`, done);
            done.finally(() => (operatorBusy = false)).catch(() => {});
          },
        };
      }
    }
    return undefined;
  };
  const askedAgain = new Set<string>();

  const stopFaults = () => {
    faults = false;
    jobs.faults = false;
    s.note('---- faults stop: agents heal, gates open, one leader');
    for (const agent of agents.values()) agent.heal();
    gateStates.fill('open');
    prometheus.service.mode = 'up';
    if (alertmanager) alertmanager.service.mode = 'up';
    model.createDaemonSet();
    for (const [node, forGood] of deleted) if (!forGood) register(node);
    // Of overlapping leaders, the one that took the Lease last keeps it.
    for (const inst of leaders()) if (inst !== lastLeader) activate(inst, false);
    if (leaders().length === 0) {
      const candidates = live();
      activate(candidates.length > 0 ? candidates[0]! : start(0), true);
    }
  };

  // What is left to settle depends on the Nodes only (an admin's cordon comes with its write): a
  // step that wrote none leaves the answer as it was (issue 25).
  let settledVersion = -1;
  let settledAnswer: string | undefined;
  /** Liveness is reached when no request is left and kreboot has nothing out of service. */
  const settled = (): string | undefined => {
    if (model.version !== settledVersion) {
      settledVersion = model.version;
      settledAnswer = whatIsLeft();
    }
    return settledAnswer;
  };
  const whatIsLeft = (): string | undefined => {
    for (const name of names) {
      const node = model.nodes.get(name);
      if (!node) continue;
      const progress = progressOf(node);
      if (withTrigger(observeNode(node), config.trigger).request)
        return `${name} still has a request (state ${progress ? `${progress.phase}: ${progress.reason}` : 'none'})`;
      if (isOutOfService(progress)) return `${name} is still out of service (${progress!.phase}: ${progress!.reason})`;
      if ((node.spec?.unschedulable === true) !== invariants.adminCordoned.has(name))
        return `${name} is ${node.spec?.unschedulable ? 'unschedulable' : 'schedulable'} after kreboot finished`;
    }
    return undefined;
  };

  // ---- The run
  const chaosSteps = 80 + s.int(170);
  let step = 0;
  let calmSteps = 0;
  let calmSince = 0;
  let violation: Violation | undefined;
  let watchedVersion = -1;
  s.note(
    `seed ${options.seed}: ${nodeCount} nodes in [${names.map((name) => `${name}:${model.nodes.get(name)!.metadata?.labels?.[ZONE_LABEL] ?? '-'}${pooled ? `:${model.nodes.get(name)!.metadata?.labels?.[POOL_LABEL] ?? 'default'}` : ''}`).join(' ')}], pre-cordoned [${[...preCordoned].join(' ')}], pods ${model.pods.length}, PDBs ${model.pdbs.length}; ${flags.slice(4).join(' ')}`,
  );
  await settle();
  for (; ; step++) {
    if (faults && step >= chaosSteps) {
      stopFaults();
      calmSince = s.now;
    }
    if (!faults) {
      const left = settled();
      if (left === undefined) break;
      if (s.now - calmSince > CALM_BUDGET_MS || calmSteps > calmMaxSteps) {
        violation = {
          check: 'liveness',
          detail: `${Math.round((s.now - calmSince) / 60_000)} virtual minutes and ${calmSteps} steps after the faults stopped: ${left}`,
        };
        break;
      }
      calmSteps++;
    }
    const choices: Choice[] = [];
    for (const call of s.pending) choices.push({ weight: 10, run: () => complete(call) });
    for (const inst of instances) {
      if (!inst.alive) continue;
      const backlog = inst.view.backlog();
      if (backlog.nodes > 0)
        choices.push({ weight: faults ? 4 : 8, run: () => void inst.view.deliverNodes(faults ? 1 + s.int(backlog.nodes) : backlog.nodes) });
      if (backlog.ds > 0)
        choices.push({ weight: faults ? 4 : 8, run: () => void inst.view.deliverDaemonSet(faults ? 1 + s.int(backlog.ds) : backlog.ds) });
    }
    for (const agent of agents.values()) {
      const next = agent.next();
      if (next) choices.push({ weight: 5, run: () => (s.note(next.label), next.run()) });
    }
    if (faults)
      choices.push({
        weight: externalWeight * 0.25,
        run: () =>
          pickWeighted(
            s,
            externals.map(([weight, run]) => ({ weight, run })),
          )(),
      });
    else {
      const operator = calmOperator();
      if (operator) choices.push(operator);
    }
    const next = s.nextAt();
    const busy = choices.length > 0;
    // Once the faults stop, time moves only when nothing else can happen: an agent is never slower
    // than a timeout then. While they run, a jump over pending work is how a slow agent is modelled.
    if (next !== undefined && (faults || !busy)) choices.push({ weight: busy ? 2 : 1, run: () => s.advanceTo(next) });
    if (faults) choices.push({ weight: 1, run: () => s.advanceTo(s.now + s.int(3000)) });
    if (choices.length === 0) {
      violation = {
        check: 'liveness',
        detail: `nothing left to happen ${Math.round((s.now - calmSince) / 60_000)} virtual minutes after the faults stopped: ${settled()}`,
      };
      break;
    }
    pickWeighted(s, choices)();
    // Every step takes a little time (an API round trip, an agent's work): no two writes share a
    // millisecond unless the clock really stood still.
    s.advanceTo(s.now + 1 + s.int(20));
    await settle();
    // Both read only the Nodes: a step that wrote none has nothing new for them (issue 25).
    if (model.version !== watchedVersion) {
      watchedVersion = model.version;
      if (remediated) watchRepairs();
      if (recoveryOn) watchHalts();
    }
    violation = invariants.afterStep();
    if (violation) break;
  }
  for (const inst of instances) inst.reconciler.stop();
  return {
    seed: options.seed,
    violation,
    steps: step,
    virtualMs: s.now - START,
    rebootsStarted: invariants.rebootsStarted,
    trace: s.trace,
    summary: `${nodeCount} nodes, concurrency ${config.concurrency}${config.topology.maxUnavailablePerZone > 0 ? ` (${config.topology.maxUnavailablePerZone} per zone)` : ''}${pooled ? `, pools ${config.pools!.map((pool) => `${pool.name}:${pool.concurrency}${pool.topology.maxUnavailablePerZone > 0 ? `/${pool.topology.maxUnavailablePerZone} per zone` : ''}`).join(' ')}` : ''}${quiet ? ', quiet maintenance' : ''}, ${step} steps, ${Math.round((s.now - START) / 60_000)} virtual min, ${invariants.rebootsStarted} reboot jobs run`,
  };
}

function pickWeighted<T extends { weight: number }>(s: Scheduler, items: readonly (T & { run: () => void })[]): () => void {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let at = s.random() * total;
  for (const item of items) {
    at -= item.weight;
    if (at < 0) return item.run;
  }
  return items[items.length - 1]!.run;
}
