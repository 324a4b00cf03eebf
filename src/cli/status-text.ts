// The status as text for a terminal: `kreboot status` prints it once, `kreboot status --watch`
// redraws it in place, and on a pipe --watch prints one line per change (changeLines).

import type { NodeStatus, Status } from '../controller/status/status.ts';
import type { HookRun } from '../store/hook-records.ts';
import { formatClock, formatDuration, formatRelative, GATE_WORDS, resumeCommand } from '../controller/status/status-format.ts';

function rolloutLine(status: Status, now: Date, server: string | undefined): string[] {
  // Without a controller URL the CLI went through the API server: the same way back resumes.
  const resume = server ? resumeCommand(server) : 'kubectl kreboot resume';
  if (status.halted) {
    return [
      `HALTED${status.halted.node ? ` at ${status.halted.node}` : ''}: ${status.halted.reason} (${formatRelative(status.halted.at, now) || status.halted.at})`,
      `  check the node, then: ${resume}`,
    ];
  }
  if (status.recovering)
    return [
      `RECOVERING ${status.recovering.node}: ${status.recovering.reason} (${formatRelative(status.recovering.at, now) || status.recovering.at})`,
      '  nothing else starts until its outcome (back, replaced, or a halt)',
    ];
  if (status.paused)
    return [
      `PAUSED: ${status.paused.reason} (${status.paused.by ? `by ${status.paused.by}, ` : ''}${formatRelative(status.paused.at, now)})`,
      `  to continue: ${resume}`,
    ];
  const foreign = status.lockHolders.filter((holder) => !holder.kreboot);
  if (foreign.length)
    return [
      `PAUSED: the lock is held by ${foreign.map((holder) => holder.node).join(', ')} (kured's manual pause or another reboot daemon)`,
    ];
  return ['rollout active'];
}

function holdText(node: NodeStatus, now: Date): string {
  const parts: string[] = [];
  if (node.gate) {
    parts.push(GATE_WORDS[node.gate.gate] ?? node.gate.gate);
    if (node.gate.opensAt) parts.push(`opens ${formatRelative(node.gate.opensAt, now)}`);
    if (node.gate.alerts?.length) parts.push(`alerts: ${node.gate.alerts.join(', ')}`);
    if (node.gate.pods?.length) parts.push(`pods: ${node.gate.pods.join(', ')}`);
  }
  if (node.phase === 'failed') parts.push(node.retryAt ? `retried ${formatRelative(node.retryAt, now)}` : 'needs an operator');
  return parts.length ? `  [${parts.join('; ')}]` : '';
}

/** One hook run (ADR 0019): where, what (a Job's name is where its logs are), how it ended and how long it took. */
function hookLine(run: HookRun, now: Date): string {
  const what = run.kind === 'job' ? `Job ${run.name}` : `host command ${run.name}`;
  const took = run.finishedAt ? ` in ${formatDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt))}` : '';
  const how = run.outcome ? `${run.outcome}${took}` : `running since ${formatRelative(run.startedAt, now)}`;
  return `hook ${run.point}: ${what} ${how}${run.outcome && run.outcome !== 'succeeded' && run.message ? `: ${run.message}` : ''}`;
}

export function formatStatus(status: Status, options: { now?: Date; server?: string } = {}): string {
  const now = options.now ?? new Date();
  const lines: string[] = [];
  if (status.leader === false)
    lines.push(
      `this replica (${status.identity}) is not the leader${status.leaderIdentity ? `; the leader is ${status.leaderIdentity}` : ''}`,
    );
  lines.push(...rolloutLine(status, now, options.server));
  const p = status.progress;
  if (p)
    lines.push(
      `${p.done} done, ${p.inFlight} in flight, ${p.queued} queued, ${p.waiting} waiting${p.failed ? `, ${p.failed} failed` : ''}`,
    );
  lines.push(
    `concurrency ${status.inFlight.length}/${status.concurrency} in use; in flight: ${status.inFlight.join(', ') || 'none'}; queue: ${status.queue.join(', ') || 'empty'}${(status.queueLength ?? 0) > status.queue.length ? ` and ${status.queueLength - status.queue.length} more` : ''}`,
  );
  for (const pool of status.pools ?? [])
    lines.push(
      `pool ${pool.name} (${pool.nodeSelector || 'no other pool'}): ${pool.inFlight.length}/${pool.concurrency} in use; in flight: ${pool.inFlight.join(', ') || 'none'}; queue: ${pool.queue.join(', ') || 'empty'}`,
    );
  if (status.estimate)
    lines.push(
      `about ${formatDuration(status.estimate.remainingSeconds * 1000)} left (a reboot takes ${formatDuration(status.estimate.averageRebootSeconds * 1000)} on average, ${status.estimate.measured} measured)`,
    );
  if (status.nodes.length === 0) lines.push('no node needs a reboot');
  const width = Math.max(4, ...status.nodes.map((node) => node.name.length));
  for (const node of status.nodes) {
    const since = node.since ? `  (${formatRelative(node.since, now)})` : '';
    const pool = node.pool ? `  [pool ${node.pool}]` : '';
    lines.push(`${node.name.padEnd(width)}  ${node.phase.padEnd(9)}  ${node.reason}${since}${holdText(node, now)}${pool}`);
    for (const run of node.hooks ?? []) lines.push(`${' '.repeat(width)}  ${hookLine(run, now)}`);
  }
  const hidden = (status.nodesTotal ?? status.nodes.length) - status.nodes.length;
  if (hidden > 0)
    lines.push(`… ${hidden} more nodes not shown (GET /api/v1/status?limit=0 lists every node; ?phase=failed,waiting filters)`);
  const failing = (status.notifications ?? []).filter((queue) => queue.lastError);
  if (failing.length)
    lines.push(...failing.map((queue) => `notifications to ${queue.service} (${queue.target}) failing: ${queue.lastError}`));
  return `${lines.join('\n')}\n`;
}

/** One line per node whose phase or reason changed, and for the rollout's state: for logs and pipes. */
export function changeLines(before: Status | undefined, after: Status, now: Date): string[] {
  const stamp = formatClock(now.toISOString());
  const lines: string[] = [];
  const state = (status: Status | undefined) =>
    status?.halted
      ? `halted at ${status.halted.node}: ${status.halted.reason}`
      : status?.recovering
        ? `waits on ${status.recovering.node}: ${status.recovering.reason}`
        : status?.paused
          ? `paused: ${status.paused.reason}`
          : 'active';
  if (!before || state(before) !== state(after)) lines.push(`${stamp} rollout ${state(after)}`);
  const old = new Map((before?.nodes ?? []).map((node) => [node.name, node]));
  for (const node of after.nodes) {
    const previous = old.get(node.name);
    if (previous && previous.phase === node.phase && previous.reason === node.reason) continue;
    lines.push(`${stamp} ${node.name} ${previous ? `${previous.phase} -> ` : ''}${node.phase}: ${node.reason}`);
  }
  for (const name of old.keys()) if (!after.nodes.some((node) => node.name === name)) lines.push(`${stamp} ${name} no longer listed`);
  return lines;
}
