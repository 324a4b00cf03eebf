// GET /: the status as a small HTML page for people (refreshes itself; no scripts).

import type { Status } from './status.ts';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderStatusPage(status: Status): string {
  const banner = status.halted
    ? `<p class="bad">Rollout HALTED by ${escape(status.halted.node)}: ${escape(status.halted.reason)} — run <code>kreboot resume</code></p>`
    : status.paused
      ? `<p class="warn">Rollout paused: ${escape(status.paused.reason)}</p>`
      : '<p>Rollout active.</p>';
  const rows = status.nodes
    .map((node) => `<tr><td>${escape(node.name)}</td><td>${escape(node.phase)}</td><td>${escape(node.reason)}</td><td>${escape(node.since ?? '')}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>kreboot status</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.bad{color:#b00;font-weight:bold}.warn{color:#a60}</style>
</head><body>
<h1>kreboot</h1>
${banner}
<p>Leader: ${status.leader ? 'this replica' : 'another replica'} · concurrency ${status.concurrency} · in flight: ${escape(status.inFlight.join(', ') || 'none')} · queue: ${escape(status.queue.join(', ') || 'empty')}</p>
<table><thead><tr><th>node</th><th>phase</th><th>reason</th><th>since</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="4">no node needs a reboot</td></tr>'}
</tbody></table>
</body></html>
`;
}
