// The agent's ServiceMonitor, as the Prometheus Operator turns it into a scrape job, run by a real
// Prometheus against an agent that lies (issue 26 item 14): a compromised agent exporting
// kured_reboot_required{node="<another node>"} must not make RebootRequired name that node. The
// `node` label comes from the scraped pod's node (__meta_kubernetes_pod_node_name, which the
// Operator's endpoints discovery gives each target), not from what the agent writes: honorLabels is
// false, so the agent's own `node` becomes exported_node, which the metric relabeling drops.
// The ServiceMonitor endpoint is translated field by field (honorLabels, relabelings,
// metricRelabelings: the Operator's camelCase to Prometheus's snake_case); the target stands in for
// the Operator's discovery with the __meta_ label it would carry.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadAllYaml } from '@kubernetes/client-node';
import { startMonitoring, type Monitoring } from '../../harness/monitoring.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { helmTemplate, kustomize } from '../../harness/packaging/cli-tools.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are free-form YAML
type Doc = any;

const POD_NODE = 'worker-honest';
let agent: Server;
let agentAddress = '';
let monitoring: Monitoring;

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const relabelConfig = (rule: Doc) =>
  Object.fromEntries(Object.entries(rule).map(([k, v]) => [snake(k), k === 'action' ? String(v).toLowerCase() : v]));

function agentMonitor(manifests: string): Doc {
  const monitors = (loadAllYaml(manifests) as Doc[]).filter(
    (d) => d?.kind === 'ServiceMonitor' && d.metadata.name.endsWith('kreboot-agent'),
  );
  assert.equal(monitors.length, 1, 'one agent ServiceMonitor');
  return monitors[0];
}

/** The scrape job the Operator generates from the ServiceMonitor's endpoint, for one discovered target. */
function scrapeJob(name: string, monitor: Doc): object {
  const [endpoint] = monitor.spec.endpoints;
  return {
    job_name: name,
    honor_labels: endpoint.honorLabels ?? false,
    static_configs: [{ targets: [agentAddress], labels: { __meta_kubernetes_pod_node_name: POD_NODE } }],
    relabel_configs: (endpoint.relabelings ?? []).map(relabelConfig),
    metric_relabel_configs: (endpoint.metricRelabelings ?? []).map(relabelConfig),
  };
}

const helmValues = join(mkdtempSync(join(tmpdir(), 'kreboot-scrape-')), 'values.json');
writeFileSync(
  helmValues,
  JSON.stringify({ metrics: { create: true }, controller: { credentials: { existingSecret: 'kreboot-credentials' } } }),
);
const JOBS = {
  kustomize: agentMonitor(kustomize('deploy/overlays/prometheus-operator')),
  helm: agentMonitor(helmTemplate('scrape', 'kreboot', helmValues)),
};

before(async () => {
  // A compromised agent: claims a reboot for another node, and claims to be another node.
  agent = createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/plain; version=0.0.4');
    res.end('kured_reboot_required{node="control-plane-1"} 1\nkreboot_agent_sentinel_last_check_timestamp_seconds 1.7e9\n');
  });
  await new Promise<void>((resolve) => agent.listen(0, '127.0.0.1', resolve));
  const address = agent.address();
  agentAddress = typeof address === 'object' && address ? `127.0.0.1:${address.port}` : '';
  monitoring = await startMonitoring({
    alertmanagerConfig: 'route: {receiver: none}\nreceivers: [{name: none}]\n',
    rules: 'groups: []\n',
    extraScrapeConfigs: Object.entries(JOBS).map(([name, monitor]) => scrapeJob(name, monitor)),
  });
  await monitoring.waitForTarget({ timeoutMs: 30_000 });
});

after(async () => {
  await monitoring?.stop();
  await new Promise((resolve) => agent?.close(resolve));
});

async function query(expr: string): Promise<Array<{ metric: Record<string, string> }>> {
  const response = await fetch(`${monitoring.prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return ((await response.json()) as { data: { result: Array<{ metric: Record<string, string> }> } }).data.result;
}

for (const job of Object.keys(JOBS)) {
  test(`${job}: kured_reboot_required carries the scraped pod's node, whatever node the agent writes`, async () => {
    const series = await waitFor(
      async () => {
        const result = await query(`kured_reboot_required{job="${job}"}`);
        return result.length > 0 ? result : undefined;
      },
      { timeoutMs: 30_000, what: `a scrape of job ${job}` },
    );
    assert.equal(series.length, 1);
    assert.equal(series[0]?.metric.node, POD_NODE, JSON.stringify(series[0]?.metric));
    assert.equal(series[0]?.metric.exported_node, undefined, 'the agent-written node is dropped, not kept beside it');
    // What RebootRequired (alertmanager/rules.yaml) hands the controller: the pod's node only.
    const rule = await query(`max by (node) (kured_reboot_required{job="${job}"}) == 1`);
    assert.deepEqual(
      rule.map((r) => r.metric.node),
      [POD_NODE],
    );
    // KrebootAgentNotReporting's join still finds the node of the check time.
    const check = await query(
      `max by (node) (kreboot_agent_sentinel_last_check_timestamp_seconds{job="${job}"} * on (job, instance) group_left (node) (kured_reboot_required * 0 + 1))`,
    );
    assert.deepEqual(
      check.map((r) => r.metric.node),
      [POD_NODE],
    );
  });
}
