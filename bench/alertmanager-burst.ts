// Patch night through a real Alertmanager: every node's RebootRequired fires at once, the shipped
// route (group_by [alertname, node]) makes one aggregation group per node, and all the groups flush
// together after group_wait, each posting its own webhook to the controller at the same moment.
// Measures what Alertmanager sees (notifications sent and failed, by its own metrics: a failed one
// is a connection refused or reset, a timeout, or a non-2xx answer) and what the controller
// recorded, and how long each took.
//
//   node bench/alertmanager-burst.ts [--nodes=300] [--group-wait=2s]
//
// The alerts are posted to Alertmanager's API directly (as Prometheus does, one batch), so the
// bench measures the Alertmanager → controller leg, not Prometheus's evaluation.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startCluster } from '../test/harness/cluster.ts';
import { BENCH_LABEL, createNodesFast, nodeNames } from './scale/cluster-setup.ts';
import { startControllerProcess } from '../test/harness/controller/controller-process.ts';
import { startMonitoring } from '../test/harness/monitoring.ts';
import { waitFor } from '../test/harness/wait-for.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '300' },
    'group-wait': { type: 'string', default: '2s' },
  },
});
const count = Number(values.nodes);
const LOCK_DS = 'kreboot-agent';

const cluster = await startCluster();
const namespace = await cluster.newNamespace('am-burst');
await cluster.createDaemonSet(namespace, LOCK_DS, { tolerations: [{ operator: 'Exists' }] });
const started = performance.now();
// Created without waiting for KWOK to make them Ready: a request is recorded for a node that exists.
const nodes = nodeNames(count);
await createNodesFast(cluster, nodes, 32);
console.log(`${count} nodes created in ${Math.round(performance.now() - started)} ms`);

const controller = await startControllerProcess({
  kubeconfigPath: cluster.kubeconfigPath,
  namespace,
  dsName: LOCK_DS,
  nodeSelector: `${BENCH_LABEL.key}=${BENCH_LABEL.value}`,
  webhookAuth: 'token',
  logLevel: 'info',
  // As the image runs it: the bundle with the Dockerfile's node flags (its heap cap included).
  shipped: true,
  // Nothing starts: the bench measures the intake, not the rollout.
  args: ['--trigger=alert', '--leader-elect=false'],
  name: 'am-burst',
});
await controller.post('/api/v1/pause', { reason: 'bench: intake only' });

const monitoring = await startMonitoring({
  alertmanagerConfig: `
route:
  receiver: kreboot
  group_by: [alertname, node]
  group_wait: ${values['group-wait']}
  group_interval: 5m
  repeat_interval: 12h
receivers:
  - name: kreboot
    webhook_configs:
      - url: ${controller.url}/api/v1/alerts
        send_resolved: true
        max_alerts: 0
        http_config:
          authorization:
            credentials_file: ${controller.webhookTokenFile}
`,
});

const amCounter = async (name: string) => {
  const text = await (await fetch(`${monitoring.alertmanagerUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes('integration="webhook"'));
  return Number(line?.split(' ').pop() ?? 0);
};
const recorded = async () => {
  const status = (await (await fetch(`${controller.url}/api/v1/status?limit=1000`)).json()) as {
    nodes: Array<{ name: string; phase: string }>;
  };
  const ours = new Set(nodes);
  return status.nodes.filter((node) => node.phase !== 'done' && ours.has(node.name)).length;
};

// The controller's peak RSS over the burst (every 200 ms, from /proc).
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${controller.proc.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const rssBefore = rssMb();
let rssPeak = rssBefore;
const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb())), 200);

const startsAt = new Date().toISOString();
const alerts = nodes.map((node) => ({
  labels: { alertname: 'RebootRequired', node, severity: 'info' },
  annotations: { summary: `${node} needs a reboot` },
  startsAt,
}));
const posted = performance.now();
const answer = await fetch(`${monitoring.alertmanagerUrl}/api/v2/alerts`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(alerts),
});
if (!answer.ok) throw new Error(`Alertmanager refused the alerts: ${answer.status} ${await answer.text()}`);

let firstSeen: number | undefined;
await waitFor(
  async () => {
    const n = await recorded();
    if (n > 0) firstSeen ??= performance.now();
    return n === count;
  },
  { what: `all ${count} nodes recorded`, timeoutMs: 15 * 60_000, intervalMs: 250 },
);
const allRecorded = performance.now();
clearInterval(sampler);
await waitFor(async () => (await amCounter('alertmanager_notifications_total')) >= count, {
  what: 'Alertmanager counted its notifications',
  timeoutMs: 60_000,
}).catch(() => undefined);

const figures = {
  nodes: count,
  groupWait: values['group-wait'],
  firstRecordedAfterPostMs: firstSeen === undefined ? undefined : Math.round(firstSeen - posted),
  allRecordedAfterPostMs: Math.round(allRecorded - posted),
  controllerRssMb: { before: Math.round(rssBefore), burstPeak: Math.round(rssPeak) },
  alertmanager: {
    notifications: await amCounter('alertmanager_notifications_total'),
    failed: await amCounter('alertmanager_notifications_failed_total'),
    requests: await amCounter('alertmanager_notification_requests_total'),
    failedRequests: await amCounter('alertmanager_notification_requests_failed_total'),
  },
};
console.log(JSON.stringify(figures, null, 2));
await controller.stop();
await monitoring.stop();
await cluster.stop();
