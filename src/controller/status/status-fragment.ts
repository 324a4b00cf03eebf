// The body of the status page, rendered on the server: the rollout (state, slots, progress, time
// left, now and next), each node and what holds it, the recent timeline and the notification
// destinations. The page sends it once and then again on every change (status-routes.ts), so this
// one renderer serves the first load, the live updates and browsers without scripts. Moments are
// <time> elements the page's script keeps relative ("12 s ago") between updates.

import type { NodeStatus, Status } from './status.ts';
import { formatClock, formatDuration, formatRelative, GATE_WORDS, PHASE_WORDS, resumeCommand } from './status-format.ts';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const e = escapeHtml;

function moment(iso: string | undefined, now: Date): string {
  if (!iso) return '';
  return `<time datetime="${e(iso)}" data-rel title="${e(iso)}">${e(formatRelative(iso, now))}</time>`;
}

function replicaNotice(status: Status): string {
  if (status.leader) return '';
  const leader = status.leaderIdentity ? `the leader is <b>${e(status.leaderIdentity)}</b>` : 'no leader is known right now';
  return `<div class="banner warn" id="replica">This replica (${e(status.identity)}) is not the leader; ${leader}. Nodes and the rollout are read from the cluster and are current; notification health is known only to the leader.</div>`;
}

function rolloutBanner(status: Status, now: Date, server: string | undefined): string {
  if (status.halted) {
    const { node, reason, at } = status.halted;
    return `<div class="banner bad" id="rollout" data-state="halted"><h2>Rollout halted${node ? ` at <b>${e(node)}</b>` : ''}</h2>
<p>${e(reason)} · ${moment(at, now)}</p>
<p>Check the node, then resume: <code id="resume-command">${e(resumeCommand(server))}</code></p></div>`;
  }
  if (status.recovering) {
    const { node, reason, at } = status.recovering;
    return `<div class="banner warn" id="rollout" data-state="recovering"><h2>Rollout waits on <b>${e(node)}</b>, which did not come back</h2>
<p>${e(reason)} · ${moment(at, now)}</p>
<p>Nothing else starts until its outcome: back under a new boot, replaced, or a halt.</p></div>`;
  }
  const foreign = status.lockHolders.filter((holder) => !holder.kreboot);
  if (status.paused || foreign.length > 0) {
    const by = status.paused?.by ? ` by ${e(status.paused.by)}` : '';
    const why = status.paused
      ? e(status.paused.reason)
      : `the lock is held by ${e(foreign.map((holder) => holder.node).join(', '))} (kured's manual pause or another reboot daemon)`;
    return `<div class="banner warn" id="rollout" data-state="paused"><h2>Rollout paused${by}</h2>
<p>${why}${status.paused ? ` · ${moment(status.paused.at, now)}` : ''}</p>
<p>To continue: <code id="resume-command">${e(resumeCommand(server))}</code></p></div>`;
  }
  return `<div class="banner ok" id="rollout" data-state="active"><h2>Rollout active</h2></div>`;
}

function summary(status: Status, now: Date): string {
  const p = status.progress;
  const used = status.inFlight.length;
  const onHold = status.halted
    ? 'nothing starts until the rollout is resumed'
    : status.recovering
      ? `nothing starts until ${e(status.recovering.node)} is recovered`
      : status.paused
        ? 'nothing starts while the rollout is paused'
        : undefined;
  const estimate = onHold
    ? onHold
    : status.estimate
      ? `about <b>${e(formatDuration(status.estimate.remainingSeconds * 1000))}</b> left${status.estimate.remainingSeconds > 0 ? `, done near ${e(formatClock(new Date(now.getTime() + status.estimate.remainingSeconds * 1000).toISOString()))} UTC` : ''}<br><small>a reboot takes ${e(formatDuration(status.estimate.averageRebootSeconds * 1000))} on average (${status.estimate.measured} measured)</small>`
      : 'no estimate yet: no reboot has finished';
  const current = status.nodes.filter((node) => status.inFlight.includes(node.name));
  const nowText = current.length ? current.map((node) => `<b>${e(node.name)}</b> ${e(node.phase)}`).join(', ') : 'nothing in flight';
  const next = status.queue.filter((name) => !status.inFlight.includes(name));
  // The queue may be cut to the view's limit; its length counts every queued node.
  const queued = status.queueLength - (status.queue.length - next.length);
  return `<dl class="summary" id="summary">
<div><dt>Slots</dt><dd id="slots">${used} / ${status.concurrency} in use</dd></div>
<div><dt>Progress</dt><dd id="counts"><span class="done">${p.done} done</span> · <span class="busy">${p.inFlight} in flight</span> · ${p.queued} queued · <span class="hold">${p.waiting} waiting</span>${p.failed ? ` · <span class="bad">${p.failed} failed</span>` : ''}</dd></div>
<div><dt>Time left</dt><dd id="estimate">${estimate}</dd></div>
<div><dt>Now</dt><dd id="now">${nowText}</dd></div>
<div><dt>Next</dt><dd id="next">${
    next.length
      ? next
          .slice(0, 5)
          .map((name) => e(name))
          .join(', ') + (queued > 5 ? ` and ${queued - 5} more` : '')
      : 'nothing queued'
  }</dd></div>
</dl>`;
}

function holdDetail(node: NodeStatus, now: Date): string {
  const parts: string[] = [];
  if (node.gate) {
    parts.push(`<span class="gate">${e(GATE_WORDS[node.gate.gate] ?? node.gate.gate)}</span>`);
    if (node.gate.opensAt) parts.push(`opens ${moment(node.gate.opensAt, now)} (${e(node.gate.opensAt)})`);
    if (node.gate.alerts?.length) parts.push(`alerts: ${node.gate.alerts.map((name) => `<code>${e(name)}</code>`).join(' ')}`);
    if (node.gate.pods?.length) parts.push(`pods: ${node.gate.pods.map((name) => `<code>${e(name)}</code>`).join(' ')}`);
  }
  if (node.phase === 'failed') parts.push(node.retryAt ? `retried ${moment(node.retryAt, now)}` : 'needs an operator');
  return parts.join(' · ');
}

/** Says how many rows the page leaves out and how to see them (filters in the address). */
function rowsNote(status: Status): string {
  const hidden = status.nodesTotal - status.nodes.length;
  if (hidden <= 0) return '';
  const filters = ['failed', 'waiting', 'queued', 'done'].map((phase) => `<a href="?phase=${phase}&amp;limit=0">${phase}</a>`).join(' · ');
  return `<p class="more" id="rows-note">Showing the ${status.nodes.length} nodes to look at first of ${status.nodesTotal}. All nodes in one phase: ${filters}; one node: <code>?node=NAME</code>.</p>`;
}

function nodeRows(status: Status, now: Date): string {
  if (status.nodesTotal === 0) return '<p class="empty">No node needs a reboot.</p>';
  if (status.nodes.length === 0) return '<p class="empty">No node matches this filter.</p>';
  const rows = status.nodes.map((node) => {
    const words = node.gate ? node.gate.detail : node.reason;
    return `<tr data-node="${e(node.name)}" data-phase="${e(node.phase)}" class="phase-${e(node.phase)}">
<td class="name">${e(node.name)}${node.pool ? ` <small class="pool" data-pool="${e(node.pool)}">${e(node.pool)}</small>` : ''}</td>
<td><span class="badge">${e(PHASE_WORDS[node.phase] ?? node.phase)}</span></td>
<td class="reason">${e(words)}${node.attempts && node.attempts > 1 ? ` <small>(attempt ${node.attempts})</small>` : ''}${hookNotes(node)}</td>
<td class="since">${moment(node.since, now)}</td>
<td class="hold">${holdDetail(node, now)}</td>
</tr>`;
  });
  return `${rowsNote(status)}<table class="nodes" id="nodes"><thead><tr><th>node</th><th>phase</th><th>reason</th><th>since</th><th>held by / until</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}

/** With a pools file: each pool's selector, limits and what it has in flight and queued. */
function pools(status: Status): string {
  if (!status.pools) return '';
  const rows = status.pools.map(
    (pool) =>
      `<tr data-pool="${e(pool.name)}"><td>${e(pool.name)}</td><td><code>${e(pool.nodeSelector || '(no other pool)')}</code></td><td>${pool.members}</td><td class="slots">${pool.inFlight.length} / ${pool.concurrency}</td><td>${pool.maxUnavailablePerZone || ''}</td><td>${e(pool.window ?? 'the flags’')}</td><td>${e(pool.trigger)}</td><td>${e(pool.queue.slice(0, 5).join(', '))}${pool.queue.length > 5 ? ` and ${pool.queue.length - 5} more` : ''}</td></tr>`,
  );
  const conflicts = (status.conflicts ?? []).map(
    (conflict) => `<li data-node="${e(conflict.node)}"><b>${e(conflict.node)}</b>: ${e(conflict.reason)}</li>`,
  );
  return `<section><h2>Pools</h2><table class="pools" id="pools"><thead><tr><th>pool</th><th>selector</th><th>nodes</th><th>slots</th><th>per zone</th><th>window</th><th>trigger</th><th>next</th></tr></thead><tbody>${rows.join('')}</tbody></table>${
    conflicts.length ? `<ul class="bad" id="pool-conflicts">${conflicts.join('')}</ul>` : ''
  }</section>`;
}

function timeline(status: Status, now: Date): string {
  if (status.timeline.length === 0) return '<p class="empty">No transitions seen yet.</p>';
  const items = status.timeline.slice(0, 30).map((entry) => {
    const spent = entry.spentMs !== undefined && entry.from ? ` after ${e(formatDuration(entry.spentMs))} ${e(entry.from)}` : '';
    const reboot =
      entry.rebootMs !== undefined ? ` · <b>reboot ${entry.failed ? 'failed after' : 'took'} ${e(formatDuration(entry.rebootMs))}</b>` : '';
    return `<li class="${entry.failed ? 'bad' : entry.to === 'done' ? 'done' : ''}" data-node="${e(entry.node)}" data-to="${e(entry.to)}"><span class="at">${e(formatClock(entry.at))}</span> ${moment(entry.at, now)} <b>${e(entry.node)}</b> ${entry.from ? `${e(entry.from)} → ` : ''}<b>${e(entry.to)}</b>${spent}${reboot}<br><small>${e(entry.reason)}</small></li>`;
  });
  return `<ol class="timeline" id="timeline">${items.join('\n')}</ol>`;
}

function notifications(status: Status): string {
  if (status.notifications.length === 0) {
    return `<p class="empty" id="notifications">${status.leader ? 'No notification destination is configured.' : 'Known only to the leader.'}</p>`;
  }
  const rows = status.notifications.map((queue) => {
    const healthy = !queue.lastError;
    return `<tr class="${healthy ? 'ok' : 'bad'}"><td>${e(queue.service)}</td><td>${e(queue.target)}</td><td>${healthy ? 'healthy' : 'failing'}</td><td>${queue.queued}</td><td>${e(queue.lastError ?? '')}</td></tr>`;
  });
  return `<table class="notifications" id="notifications"><thead><tr><th>service</th><th>destination</th><th>health</th><th>queued</th><th>last error</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function renderStatusFragment(status: Status, options: { now: Date; server?: string | undefined }): string {
  const { now } = options;
  return `${replicaNotice(status)}
${rolloutBanner(status, now, options.server)}
${summary(status, now)}
${pools(status)}
<section><h2>Nodes</h2>${nodeRows(status, now)}</section>
<section><h2>Timeline</h2>${timeline(status, now)}</section>
<section><h2>Notifications</h2>${notifications(status)}</section>
<p class="foot">Served by ${e(status.identity)}${status.leader ? ' (leader)' : ''} · updated ${moment(now.toISOString(), now)}</p>`;
}

/** The node's hook runs of this round (ADR 0019), one line each: the Job's name is where its logs are. */
function hookNotes(node: NodeStatus): string {
  return (node.hooks ?? [])
    .map(
      (run) =>
        `<br><small class="hook" data-hook="${e(run.name)}">hook ${e(run.point)}: ${run.kind === 'job' ? 'Job' : 'host command'} ${e(run.name)} ${e(run.outcome ?? 'running')}</small>`,
    )
    .join('');
}
