// `npm run demo` (scripts/demo.sh, which installs and builds what is missing first): the main
// end-to-end scenario, live. A local control plane with five KWOK nodes and workloads, a real
// kreboot agent per simulated host, real Prometheus and Alertmanager loading alertmanager/, the
// kreboot controller and a chat sink. Three hosts get their reboot sentinel; the terminal shows
// one line per transition (time, node, phase, reason) from the controller's status API, then a
// summary. Ctrl-C stops everything it started (by PID). `--keep` leaves it running at the end
// until Ctrl-C, to explore with kubectl and the status page. `--zones`: six nodes in three zones,
// all needing a reboot, concurrency 3 with at most one node out per zone (zones go in parallel).

import { startCluster, type Cluster } from '../test/harness/cluster.ts';
import { binary } from '../test/harness/binaries.ts';
import { formatTransition } from '../test/harness/scenario/rollout-progress.ts';
import { startScenario, type Scenario } from '../test/harness/scenario/scenario.ts';
import { BUDGETS } from '../test/harness/scenario/scenario-workloads.ts';

const keep = process.argv.includes('--keep');
const zoned = process.argv.includes('--zones');
const ZONE_ARGS = ['--concurrency=3', '--max-unavailable-per-zone=1'];
const color = process.stdout.isTTY
  ? (code: number, text: string) => `\u001b[${code}m${text}\u001b[0m`
  : (_code: number, text: string) => text;
const began = Date.now();
const elapsed = () => `${((Date.now() - began) / 1000).toFixed(1)} s`;
const say = (text: string) => process.stdout.write(`${text}\n`);

let cluster: Cluster | undefined;
let scenario: Scenario | undefined;
let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say(color(2, 'stopping everything the demo started…'));
    await scenario?.stop().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));

try {
  say(
    color(
      1,
      zoned
        ? 'kreboot demo: six nodes in three zones all need a reboot; concurrency 3, at most one per zone'
        : 'kreboot demo: a local Kubernetes control plane, five nodes, three need a reboot',
    ),
  );
  say(`[${elapsed()}] starting etcd, kube-apiserver, controller-manager, scheduler and KWOK on 127.0.0.1`);
  cluster = await startCluster();
  scenario = await startScenario(cluster, {
    ...(zoned ? { nodes: 6, zones: ['zone-a', 'zone-b', 'zone-c'], controllerArgs: ZONE_ARGS } : {}),
    onStep: (step) => say(`[${elapsed()}] starting ${step}`),
    onTransition: (t) => say(`${formatTransition(t)}`),
    onHostEvent: (e) => {
      if (e.what !== 'agent started' || scenario)
        say(color(2, `${e.at.toISOString().slice(11, 23)}  ${e.node.padEnd(16)} host: ${e.what}`));
    },
  });
  const s = scenario;
  say(`[${elapsed()}] ready.`);
  say(`  status API:   ${s.controller.url}/api/v1/status   (page: ${s.controller.url}/)`);
  say(`  Prometheus:   ${s.monitoring.prometheusUrl}/alerts   Alertmanager: ${s.monitoring.alertmanagerUrl}/api/v2/alerts`);
  say(`  kubectl:      ${binary('kubectl')} --kubeconfig ${cluster.kubeconfigPath} get nodes`);
  const chosen = zoned ? [...s.nodes] : s.nodes.slice(0, 3);
  say(`\n[${elapsed()}] a package upgrade sets the reboot sentinel on ${chosen.join(', ')}`);
  say(color(2, '  agent metric → Prometheus rule RebootRequired → Alertmanager → controller webhook'));
  say(color(1, `${'time (UTC)'.padEnd(14)}${'node'.padEnd(17)}${'phase'.padEnd(11)}reason`));
  const sentinelAt = Date.now();
  for (const node of chosen) s.host(node).requireReboot();
  await s.waitRebooted(chosen, 300_000);
  await cluster.waitFor(() => chosen.every((node) => s.progress.firstAt(node, 'done')), { what: 'the status API to show every node done' });
  const rolloutMs = Date.now() - sentinelAt;
  await new Promise((resolve) => setTimeout(resolve, 500)); // the last chat message is sent right after "done"

  say(color(1, '\nsummary'));
  const order = [...chosen].sort((a, b) => s.progress.firstAt(a, 'done')!.getTime() - s.progress.firstAt(b, 'done')!.getTime());
  for (const node of order) {
    const host = s.host(node);
    const started =
      s.progress.transitions.find((t) => t.node === node && ['cordoned', 'draining', 'rebooting'].includes(t.phase))?.at.getTime() ??
      sentinelAt;
    const zone = zoned ? ` [${(await cluster.core.readNode({ name: node })).metadata?.labels?.['topology.kubernetes.io/zone']}]` : '';
    say(
      `  ${node}${zone}: rebooted (boot ID ${host.bootIds[0]} → ${host.bootIds.at(-1)}), ${((s.progress.firstAt(node, 'done')!.getTime() - started) / 1000).toFixed(1)} s from cordon to uncordoned`,
    );
  }
  say(
    `  nodes rebooted: ${order.length} of ${s.nodes.length}, ${zoned ? 'zones in parallel, one node per zone at a time' : 'one at a time'} (most in flight at once: ${s.progress.maxInFlight()})`,
  );
  say(`  total time: ${(rolloutMs / 1000).toFixed(1)} s from the sentinels to the last node back; ${elapsed()} including set-up`);
  const worst = BUDGETS.map((b) => `${b.app} ${s.budgets.minimumReady.get(b.app)} of ${b.replicas} (budget: ${b.minReady})`).join(', ');
  say(`  fewest Ready pods seen (sampled every 200 ms): ${worst}`);
  const messages = s.messages();
  say(`  messages sent to the chat sink: ${messages.length}`);
  for (const message of messages) say(`    ${message}`);
  if (keep) {
    say(`\nstill running (--keep): status ${s.controller.url}/api/v1/status — press Ctrl-C to stop`);
    await new Promise(() => undefined);
  }
  await shutdown(0);
} catch (error) {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  if (scenario) process.stderr.write(`${await scenario.report().catch(() => '')}\n`);
  await shutdown(1);
}
