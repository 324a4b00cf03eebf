// The page's body as rendered on the server: the rollout banner with the exact resume command, the
// node rows with what holds them, the timeline with failures marked, the notification health with
// no URL, the non-leader notice, and everything escaped.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderStatusFragment } from '../../../src/controller/status/status-fragment.ts';
import { renderStatusPage } from '../../../src/controller/status/status-page.ts';
import { AT, ago, sampleStatus } from '../../harness/operator-view/sample-status.ts';

const render = (overrides = {}) => renderStatusFragment(sampleStatus(overrides), { now: AT, server: 'http://127.0.0.1:8080' });

describe('status page', () => {
  it("an active rollout: slots, counts, now and next, and each node's row", () => {
    const html = render();
    assert.match(html, /id="rollout" data-state="active"/);
    assert.match(html, /1 \/ 1 in use/);
    assert.match(html, /<b>node-1<\/b> rebooting/);
    assert.match(html, /id="next">node-2, node-3</);
    assert.match(html, /<tr data-node="node-1" data-phase="rebooting"/);
    assert.match(html, /no estimate yet/);
    assert.match(html, /<time datetime="2026-11-26T11:59:40.000Z" data-rel[^>]*>20 s ago<\/time>/);
  });

  it('a waiting node shows the alerts that hold it, escaped', () => {
    const html = render();
    assert.match(html, /alerts firing<\/span> · alerts: <code>&#60;b&#62;DiskFull&#60;\/b&#62;<\/code>/);
    assert.doesNotMatch(html, /<b>DiskFull<\/b>/);
  });

  it('a halted rollout names the node, the reason and the exact resume command', () => {
    const html = render({ halted: { node: 'node-0', reason: 'node did not come back within the reboot timeout', at: ago(90) } });
    assert.match(html, /data-state="halted"><h2>Rollout halted at <b>node-0<\/b><\/h2>/);
    assert.match(
      html,
      /<code id="resume-command">kreboot resume --server=http:\/\/127.0.0.1:8080 --token-file=&#60;admin token file&#62;<\/code>/,
    );
  });

  it('a paused rollout says by whom and why', () => {
    const html = render({ paused: { reason: 'change freeze', at: ago(600), by: 'api' } });
    assert.match(html, /data-state="paused"><h2>Rollout paused by api<\/h2>\n<p>change freeze/);
    const foreign = render({ lockHolders: [{ node: 'manual', kreboot: false }] });
    assert.match(foreign, /lock is held by manual \(kured's manual pause/);
  });

  it('the timeline marks failures and gives durations', () => {
    const html = render();
    assert.match(html, /<li class="bad" data-node="node-0" data-to="failed">.*reboot failed after 1 m 15 s/);
    assert.match(html, /draining → <b>rebooting<\/b> after 12 s draining/);
  });

  it('notification destinations show health, never a URL', () => {
    const html = render();
    assert.match(html, /<tr class="bad"><td>ntfy<\/td><td>ntfy.example\/ops<\/td><td>failing<\/td><td>2<\/td><td>HTTP 503 from ntfy<\/td>/);
    assert.doesNotMatch(html, /https?:\/\/hooks/);
  });

  it('a replica that does not lead says so and names the leader', () => {
    const html = render({ leader: false, leaderIdentity: 'kreboot-controller-1', notifications: [] });
    assert.match(html, /This replica \(kreboot-controller-0\) is not the leader; the leader is <b>kreboot-controller-1<\/b>/);
    assert.match(html, /Known only to the leader/);
  });

  it('the page ships its own script and style, no external asset, and refreshes without scripts', () => {
    const page = renderStatusPage(sampleStatus(), { now: AT });
    assert.doesNotMatch(page, /<(script|link|img)[^>]+(src|href)="(?!data:)/);
    assert.doesNotMatch(page, /https?:\/\//);
    assert.match(page, /<noscript><meta http-equiv="refresh" content="5"><\/noscript>/);
    // The page's own filters (?phase=, ?node=, ?limit=) carry over to its event stream.
    assert.match(page, /new EventSource\('api\/v1\/status\/events\?format=html'\+\(location\.search/);
    assert.match(page, /name="viewport"/);
  });
});
