// The operator view, end to end: the status page in headless Chromium (Debian's package, driven by
// playwright-core) during a real rollout — nodes held by a firing alert name it on their rows, then
// a node row goes cordoned → rebooting → done without a reload, then a node that does not come
// back raises the halted banner with the exact resume command; a replica that does not lead says
// so and names the leader; `kreboot status --watch` prints the same transitions; and every query of
// the Grafana dashboard returns data from the real Prometheus that scraped the controller and the
// agents during the run. Screenshots go to .tmp/screenshots/; the page's update latency (transition
// seen on an API watch → row changed in the DOM) is reported in the test's diagnostics and in
// .tmp/screenshots/update-latency.json.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Watch, type V1Node } from '@kubernetes/client-node';
import type { Browser, Page } from 'playwright-core';
import { dashboard } from '../../deploy/grafana/kreboot-dashboard.ts';
import { CONTROLLER } from '../../src/store/keys.ts';
import { REPO_ROOT } from '../harness/binaries.ts';
import { startCluster, type Cluster } from '../harness/cluster.ts';
import { printOnFailure } from '../harness/on-failure.ts';
import { startProcess, type ManagedProcess } from '../harness/process.ts';
import { launchBrowser, screenshotPath } from '../harness/scenario/browser.ts';
import { rulesForE2e } from '../harness/scenario/alerting-files.ts';
import { createController, type ControllerProcess } from '../harness/controller/controller-process.ts';
import { dashboardQueries, runDashboardQueries } from '../harness/operator-view/dashboard-queries.ts';
import { startScenario, type Scenario } from '../harness/scenario/scenario.ts';
import { LOCK_DS } from '../harness/scenario/scenario-workloads.ts';

interface Seen {
  readonly node: string;
  readonly phase: string;
  readonly at: number;
}

// Runs in the page: records each phase every node row shows, stamped with the browser's clock the
// moment the DOM changed, and a mark that a reload would lose.
const RECORDER = `(() => {
  window.__kreboot = { mark: Math.random(), seen: [] };
  const last = new Map();
  const record = () => {
    for (const row of document.querySelectorAll('tr[data-node]')) {
      const node = row.getAttribute('data-node'), phase = row.getAttribute('data-phase');
      if (last.get(node) !== phase) { last.set(node, phase); window.__kreboot.seen.push({ node, phase, at: Date.now() }); }
    }
  };
  record();
  new MutationObserver(record).observe(document.getElementById('status'), { childList: true, subtree: true });
  return window.__kreboot.mark;
})()`;

const RED = 'rgb(207, 34, 46)';
// A test alert without a node label: the alert gate holds every node while it fires.
const blocker = (firing: boolean) =>
  rulesForE2e([{ alert: 'E2EDiskFull', expr: firing ? 'vector(1)' : 'vector(0) > 1', labels: { severity: 'critical' } }]);
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

let cluster: Cluster;
let browser: Browser;
let scenario: Scenario | undefined;
let replica: ControllerProcess | undefined;
let watcher: ManagedProcess | undefined;

before(async () => {
  cluster = await startCluster();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await watcher?.stop();
  await replica?.stop();
  await scenario?.stop();
  await cluster?.stop();
});

async function openLive(
  url: string,
  options: Parameters<Browser['newPage']>[0] = { viewport: { width: 1280, height: 900 } },
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage(options);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(url);
  await page.waitForFunction(`document.getElementById('live')?.textContent === 'live'`, null, { timeout: 15_000 });
  return { page, errors };
}

async function phoneShot(url: string, name: string, ready: string): Promise<void> {
  const { page } = await openLive(url, PHONE);
  await page.waitForSelector(ready, { timeout: 15_000 });
  await page.screenshot({ path: screenshotPath(name), fullPage: true });
  await page.close();
}

const percentile = (values: readonly number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))]!;

describe('the operator view during a real rollout', () => {
  let s: Scenario;
  let page: Page;
  let errors: string[];
  let mark: number;
  let rangeStart: Date;

  it('nodes held by an alert name it; a node row goes cordoned → rebooting → done live, without a reload', async (t) => {
    s = scenario = await startScenario(cluster, {
      nodes: 3,
      scrapeController: true,
      controllerArgs: ['--reboot-timeout=20s'],
      extraRules: [{ alert: 'E2EDiskFull', expr: 'vector(0) > 1' }],
    });
    t.after(() => printOnFailure(t, () => s.report()));
    rangeStart = new Date();
    ({ page, errors } = await openLive(s.controller.url));
    mark = (await page.evaluate(RECORDER)) as number;
    watcher = startProcess(
      'status-watch',
      process.execPath,
      [join(REPO_ROOT, 'src/cli.ts'), 'status', '--watch', `--server=${s.controller.url}`],
      { logDir: mkdtempSync(join(tmpdir(), 'kreboot-watch-')) },
    );

    // When each transition reached the API server's watch: the test's own watch on the Nodes.
    const written: Seen[] = [];
    const lastWritten = new Map<string, string>();
    const watch = await new Watch(cluster.kc).watch(
      '/api/v1/nodes',
      { labelSelector: `kreboot.dev/e2e=${s.namespace}` },
      (_type: string, node: V1Node) => {
        const at = Date.now();
        const phase = (JSON.parse(node.metadata?.annotations?.[CONTROLLER.state] ?? '{}') as { phase?: string }).phase;
        const name = node.metadata?.name ?? '';
        if (phase && lastWritten.get(name) !== phase) {
          lastWritten.set(name, phase);
          written.push({ node: name, phase, at });
        }
      },
      () => undefined,
    );
    t.after(() => watch.abort());

    // First held by a firing alert: the page names it on each waiting node's row.
    await s.monitoring.setRules(blocker(true));
    await s.monitoring.waitForAlert('E2EDiskFull', 'firing');
    const [first, second] = s.nodes as [string, string];
    s.host(first).requireReboot();
    s.host(second).requireReboot();
    for (const node of [first, second]) {
      const hold = page.locator(`tr[data-node="${node}"][data-phase="waiting"] td.hold`);
      await hold.waitFor({ timeout: 60_000 });
      assert.match((await hold.textContent()) ?? '', /alerts firing · alerts: E2EDiskFull/);
    }
    await page.screenshot({ path: screenshotPath('nodes-waiting.png'), fullPage: true });
    await s.monitoring.setRules(blocker(false));
    await page.waitForSelector('tr[data-phase="rebooting"]', { timeout: 120_000 });
    await page.screenshot({ path: screenshotPath('rollout-in-progress.png'), fullPage: true });
    await phoneShot(s.controller.url, 'rollout-in-progress-phone.png', 'tr[data-node]');
    await page.waitForSelector(`tr[data-node="${first}"][data-phase="done"]`, { timeout: 180_000 });
    await page.waitForSelector(`tr[data-node="${second}"][data-phase="done"]`, { timeout: 180_000 });

    const seen = (await page.evaluate('window.__kreboot.seen')) as Seen[];
    for (const node of [first, second]) {
      const phases = seen.filter((entry) => entry.node === node).map((entry) => entry.phase);
      // Taken out of service first: `cordoned`, or `draining` when the drain's first write came
      // within the page's coalescing of the cordon's (24 ms apart in one CI run, with no drain delay).
      const out = phases.findIndex((phase) => phase === 'cordoned' || phase === 'draining');
      const rebooting = phases.indexOf('rebooting', out);
      const done = phases.indexOf('done', rebooting);
      assert.ok(out >= 0 && rebooting > out && done > rebooting, `${node}: the page showed ${phases.join(' → ')}`);
    }
    assert.equal(await page.evaluate('window.__kreboot && window.__kreboot.mark'), mark, 'the page was never reloaded');
    assert.equal((await page.locator('#timeline li[data-to="done"]').count()) >= 2, true, 'the timeline lists both reboots');
    assert.match((await page.locator(`#timeline li[data-node="${first}"][data-to="done"]`).textContent()) ?? '', /reboot took \d/);
    assert.match((await page.locator('#estimate').textContent()) ?? '', /left|a reboot takes/);
    assert.deepEqual(errors, []);

    // Latency, two ways, both on this machine's clock: from the moment the transition reached a
    // watch of the API server (the test's own) to the moment the row changed in the browser's DOM;
    // and, an upper bound, from the record's `since` (the controller's clock when the decision
    // cycle began, before the gates and the write) to the DOM.
    watch.abort();
    const status = await s.controller.status();
    const inFlightOrDone = (phase: string) => ['cordoned', 'draining', 'rebooting', 'verifying', 'done'].includes(phase);
    const fromWatch: Array<{ node: string; phase: string; ms: number }> = [];
    const fromSince: number[] = [];
    for (const entry of seen.filter((e) => inFlightOrDone(e.phase))) {
      const event = written.find((w) => w.node === entry.node && w.phase === entry.phase);
      if (event) fromWatch.push({ node: entry.node, phase: entry.phase, ms: entry.at - event.at });
      const record = status.timeline.find((item) => item.node === entry.node && item.to === entry.phase);
      if (record) fromSince.push(entry.at - Date.parse(record.at));
    }
    assert.ok(fromWatch.length >= 6, `latencies measured: ${JSON.stringify(fromWatch)}`);
    const values = fromWatch.map((l) => l.ms);
    const summary = {
      transitions: values.length,
      watchToDom: { medianMs: percentile(values, 0.5), p90Ms: percentile(values, 0.9), maxMs: Math.max(...values) },
      decisionToDom: { medianMs: percentile(fromSince, 0.5), p90Ms: percentile(fromSince, 0.9), maxMs: Math.max(...fromSince) },
      each: fromWatch,
    };
    writeFileSync(screenshotPath('update-latency.json'), `${JSON.stringify(summary, null, 2)}\n`);
    t.diagnostic(
      `page update latency over ${values.length} transitions, API watch event → DOM: median ${summary.watchToDom.medianMs} ms, p90 ${summary.watchToDom.p90Ms} ms, max ${summary.watchToDom.maxMs} ms`,
    );
    t.diagnostic(
      `controller decision (record's since) → DOM: median ${summary.decisionToDom.medianMs} ms, p90 ${summary.decisionToDom.p90Ms} ms, max ${summary.decisionToDom.maxMs} ms`,
    );

    // The terminal view followed the same rollout, one plain line per change (not a terminal).
    const lines = readFileSync(watcher.logPath, 'utf8');
    assert.match(lines, new RegExp(`${first} \\w+ -> rebooting`), lines);
    // A node verified in the cycle that saw it back spends milliseconds in `verifying`, inside one
    // of the stream's coalesced changes: the line may come from either phase.
    assert.match(lines, new RegExp(`${second} (verifying|rebooting) -> done`), lines);
    assert.ok(!lines.includes('\x1b['), 'no terminal escapes on a pipe');
  });

  it('a node that does not come back raises the halted banner with the exact resume command', async () => {
    const third = s.nodes[2]!;
    s.host(third).neverReturn();
    s.host(third).requireReboot();
    await page.waitForSelector('#rollout[data-state="halted"]', { timeout: 150_000 });
    assert.match((await page.locator('#rollout h2').textContent()) ?? '', new RegExp(`Rollout halted at ${third}`));
    assert.equal(
      await page.locator('#resume-command').textContent(),
      `kreboot resume --server=${s.controller.url} --token-file=<admin token file>`,
    );
    await page.waitForSelector(`tr[data-node="${third}"][data-phase="failed"]`, { timeout: 10_000 });
    const failure = page.locator(`#timeline li.bad[data-node="${third}"][data-to="failed"]`);
    await failure.waitFor({ timeout: 10_000 });
    // Looked up and measured in one task: a push may replace the body between two steps.
    const color = await page.evaluate(
      `getComputedStyle(document.querySelector('#timeline li.bad[data-node="${third}"][data-to="failed"]')).color`,
    );
    assert.equal(color, RED, 'failures are red');
    assert.equal(await page.evaluate('window.__kreboot && window.__kreboot.mark'), mark, 'the page was never reloaded');
    await page.screenshot({ path: screenshotPath('rollout-halted.png'), fullPage: true });
    await phoneShot(s.controller.url, 'rollout-halted-phone.png', '#rollout[data-state="halted"]');
    assert.deepEqual(errors, []);
  });

  it('a replica that does not lead says so, names the leader, and shows the same rollout', async () => {
    replica = await createController({
      dir: mkdtempSync(join(tmpdir(), 'kreboot-replica-')),
      kubeconfigPath: cluster.kubeconfigPath,
      name: 'e2e-replica',
      shipped: true,
      webhookAuth: 'token',
      logLevel: 'info',
      args: () => [
        `--ds-namespace=${s.namespace}`,
        `--ds-name=${LOCK_DS}`,
        `--node-selector=kreboot.dev/e2e=${s.namespace}`,
        `--prometheus-url=${s.monitoring.prometheusUrl}`,
        '--drain-grace-period=0',
        '--reboot-timeout=20s',
      ],
    });
    await replica.start();
    const { page: other, errors: otherErrors } = await openLive(replica.url);
    await other.waitForFunction(
      `(document.getElementById('replica')?.textContent ?? '').includes('the leader is e2e-controller-1')`,
      null,
      { timeout: 20_000 },
    );
    assert.match((await other.locator('#replica').textContent()) ?? '', /This replica \(e2e-replica-1\) is not the leader/);
    assert.equal(await other.locator('#rollout').getAttribute('data-state'), 'halted');
    assert.equal(await other.locator('tr[data-node]').count(), 3);
    await other.screenshot({ path: screenshotPath('non-leader.png'), fullPage: true });
    assert.deepEqual(otherErrors, []);
  });

  it('every query of the Grafana dashboard returns data from the real Prometheus', async (t) => {
    const prometheus = s.monitoring.prometheusUrl;
    // Prometheus scrapes every second: wait until it has the failure the halt counted.
    await cluster.waitFor(
      async () => {
        const body = (await (
          await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent('sum(kreboot_reboots_total{result="failed"})')}`)
        ).json()) as { data: { result: Array<{ value: [number, string] }> } };
        return Number(body.data.result[0]?.value[1] ?? 0) >= 1;
      },
      { timeoutMs: 30_000, what: 'Prometheus to have scraped the failed reboot' },
    );
    const results = await runDashboardQueries(prometheus, dashboardQueries(dashboard), {
      start: rangeStart,
      end: new Date(),
      scrapeSeconds: 1,
    });
    for (const result of results)
      t.diagnostic(
        `${result.query.panel} [${result.query.refId}]: ${result.series} series, ${result.finiteSamples} samples${result.error ? `, error ${result.error}` : ''}`,
      );
    const empty = results
      .filter((result) => result.finiteSamples === 0)
      .map((result) => `${result.query.panel}: ${result.promql} ${result.error ?? ''}`);
    assert.deepEqual(empty, [], 'dashboard queries without data');
    // A panel drawn per node has a series for every node of the run (all three were requested).
    const perNode = results.filter((result) => result.query.legendFormat.includes('{{node}}'));
    assert.ok(perNode.length >= 3);
    for (const result of perNode)
      assert.ok(result.series >= s.nodes.length, `${result.query.panel}: ${result.series} series for ${s.nodes.length} nodes`);
    assert.equal(results.length, dashboardQueries(dashboard).length);
  });
});
