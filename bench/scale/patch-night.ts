// The patch-night case of bench/scale.ts (issue 25): a kernel update lands on every node at once, so
// every node reports reboot-required and the shipped Alertmanager route (group_by [alertname, node])
// sends one one-node webhook per node, `inFlight` at a time. Measures each webhook's answer over the
// whole burst (p50/p99/max overall and per tenth of the burst, so growth with the number of pending
// nodes shows), the burst's total time, first webhook → first cordon, the controller's RSS before
// and after, and the rollout's pace in the window after the burst (nodes done, done → next cordon).

import { sleep } from '../../test/harness/wait-for.ts';
import type { BenchController } from './controller.ts';
import type { NodeAgents } from './node-agents.ts';
import { histogramDelta, percentile, type HistogramDelta } from './stats.ts';
import { burst, type WebhookAnswer } from './webhooks.ts';

export interface PatchNightFigures {
  readonly nodes: number;
  readonly inFlight: number;
  readonly webhooks: {
    readonly totalMs: number;
    readonly p50Ms?: number;
    readonly p99Ms?: number;
    readonly maxMs?: number;
    readonly over1s: number;
    readonly statuses: Record<string, number>;
    /** 200s that listed their node as `queued` (answered before it was written): not "recorded". */
    readonly answeredQueued: number;
    /** The first few answers other than 200, as-is. */
    readonly failures: string[];
    /** p99 / max of each tenth of the burst, in the order sent: flat when nothing grows with the pending nodes. */
    readonly byTenth: Array<{ p99Ms?: number; maxMs?: number }>;
  };
  /** The burst's webhooks in a second, against the rate a sender with `inFlight` at 10 ms each could reach. */
  readonly answeredPerSecond: number;
  readonly firstWebhookToFirstCordonMs?: number;
  readonly rssMb: { readonly before?: number; readonly burstPeak?: number; readonly windowPeak?: number };
  readonly rollout: {
    readonly windowSeconds: number;
    readonly doneInWindow: number;
    readonly cordonedInWindow: number;
    readonly gapDoneToNextCordonMs: { p50?: number; max?: number; samples: number };
  };
  readonly decisionCycle: HistogramDelta & { cycles: number };
  /** The cycle's own time (observe, plan, decide), without the API calls and queries it awaits. */
  readonly decisionCompute: HistogramDelta;
}

const round = (x: number | undefined) => (x === undefined ? undefined : Math.round(x));

export async function patchNight(options: {
  controller: BenchController;
  agents: NodeAgents;
  url: string;
  token: string;
  nodes: readonly string[];
  inFlight: number;
  windowSeconds: number;
  log: (message: string) => void;
}): Promise<PatchNightFigures> {
  const { controller, agents, nodes } = options;
  controller.phase('patch-night-before');
  await sleep(3000);
  const rssBefore = controller.peakRssMb('patch-night-before');
  controller.phase('patch-night');
  const before = await controller.metrics();
  const from = Date.now();
  const startsAt = new Date().toISOString();
  options.log(`patch night: ${nodes.length} one-node webhooks (every node reboot-required), ${options.inFlight} in flight`);
  const sent = await burst(options.url, options.token, 'firing', nodes, options.inFlight, startsAt);
  const answered = Date.now();
  options.log(`patch night: answered in ${Math.round(sent.totalMs)} ms; rollout window ${options.windowSeconds} s`);
  controller.phase('patch-night-window');
  await sleep(options.windowSeconds * 1000);
  const to = Date.now();
  const after = await controller.metrics();
  const firstCordon = agents.firstCordonAfter(from);

  const transitions = controller.transitions().filter((t) => t.at >= answered && t.at <= to);
  const gaps: number[] = [];
  for (const done of transitions.filter((t) => t.phase === 'done')) {
    const next = transitions.find((t) => t.phase === 'cordoned' && t.at >= done.at && t.node !== done.node);
    if (next) gaps.push(next.at - done.at);
  }
  const statuses: Record<string, number> = {};
  for (const answer of sent.answers) statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
  return {
    nodes: nodes.length,
    inFlight: options.inFlight,
    webhooks: {
      totalMs: Math.round(sent.totalMs),
      ...latency(sent.answers),
      over1s: sent.answers.filter((a) => a.ms >= 1000).length,
      statuses,
      answeredQueued: sent.answers.filter((a) => a.status === 200 && a.body.includes('"queued"')).length,
      failures: sent.answers
        .filter((a) => a.status !== 200)
        .slice(0, 3)
        .map((a) => `${a.status} after ${Math.round(a.ms)} ms: ${a.body.slice(0, 200)}`),
      byTenth: tenths(sent.answers).map((slice) => ({ p99Ms: round(percentile(slice, 99)), maxMs: round(percentile(slice, 100)) })),
    },
    answeredPerSecond: Math.round((nodes.length / sent.totalMs) * 1000),
    ...(firstCordon === undefined ? {} : { firstWebhookToFirstCordonMs: firstCordon - from }),
    rssMb: {
      ...(rssBefore === undefined ? {} : { before: rssBefore }),
      burstPeak: controller.peakRssMb('patch-night'),
      windowPeak: controller.peakRssMb('patch-night-window'),
    },
    rollout: {
      windowSeconds: options.windowSeconds,
      doneInWindow: transitions.filter((t) => t.phase === 'done').length,
      cordonedInWindow: transitions.filter((t) => t.phase === 'cordoned').length,
      gapDoneToNextCordonMs: { p50: percentile(gaps, 50), max: percentile(gaps, 100), samples: gaps.length },
    },
    decisionCycle: { ...histogramDelta(before.cycles, after.cycles), cycles: after.cyclesTotal - before.cyclesTotal },
    decisionCompute: histogramDelta(before.compute, after.compute),
  };
}

function latency(answers: readonly WebhookAnswer[]): { p50Ms?: number; p99Ms?: number; maxMs?: number } {
  const ms = answers.map((a) => a.ms);
  return { p50Ms: round(percentile(ms, 50)), p99Ms: round(percentile(ms, 99)), maxMs: round(percentile(ms, 100)) };
}

function tenths(answers: readonly WebhookAnswer[]): number[][] {
  const size = Math.max(1, Math.ceil(answers.length / 10));
  const out: number[][] = [];
  for (let i = 0; i < answers.length; i += size) out.push(answers.slice(i, i + size).map((a) => a.ms));
  return out;
}

/** The figures as table rows for bench/scale.ts. */
export function patchNightRows(f: PatchNightFigures | undefined): Array<[string, string]> {
  if (!f) return [];
  const ms = (x: number | undefined) => (x === undefined ? '–' : `≤${x}`);
  const hist = (h: HistogramDelta) =>
    `p50 ${ms(h.p50LeMs)} / p99 ${ms(h.p99LeMs)} / max ${ms(h.maxLeMs)} ms, mean ${h.meanMs === undefined ? '–' : h.meanMs.toFixed(1)} ms, ${h.count}`;
  const w = f.webhooks;
  return [
    [
      `patch night: ${f.nodes} one-node webhooks, ${f.inFlight} in flight: total / p50 / p99 / max`,
      `${w.totalMs} / ${w.p50Ms} / ${w.p99Ms} / ${w.maxMs} ms (${f.answeredPerSecond}/s); ≥ 1 s: ${w.over1s}; statuses ${JSON.stringify(w.statuses)}; 200 with the node queued (not yet written): ${w.answeredQueued}`,
    ],
    ...(w.failures.length > 0 ? [['patch night: first answers other than 200', w.failures.join(' // ')] as [string, string]] : []),
    ['patch night: p99 / max per tenth of the burst (ms)', w.byTenth.map((t) => `${t.p99Ms}/${t.maxMs}`).join(' ')],
    ['patch night: first webhook → first cordon', `${f.firstWebhookToFirstCordonMs ?? '–'} ms`],
    ['patch night: RSS before / burst peak / window peak', `${f.rssMb.before} / ${f.rssMb.burstPeak} / ${f.rssMb.windowPeak} MB`],
    [
      `patch night: rollout in the ${f.rollout.windowSeconds} s after the burst: done / cordoned / done → next cordoned p50, max`,
      `${f.rollout.doneInWindow} / ${f.rollout.cordonedInWindow} / ${f.rollout.gapDoneToNextCordonMs.p50} ms, ${f.rollout.gapDoneToNextCordonMs.max} ms (${f.rollout.gapDoneToNextCordonMs.samples})`,
    ],
    ['patch night: decision cycle (with its API calls)', `${hist(f.decisionCycle)} (${f.decisionCycle.cycles} cycles)`],
    ['patch night: decision compute (the cycle without its awaits)', hist(f.decisionCompute)],
  ];
}
