// The chart's hook values (ADR 0019), rendered by the real helm, and the kustomize component: a
// Job template given as a value reaches the controller as a file it accepts (the controller's own
// loader reads it), with the flag and the mount; the controller's Role gains
// create/get/list/watch/delete on Jobs in the release's namespace only when a template is set;
// host hook commands reach the agent, which then runs privileged.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { loadAllYaml } from '@kubernetes/client-node';
import { loadControllerConfig } from '../../../src/config/controller-config.ts';
import { load } from 'js-yaml';
import { templateProblems } from '../../../src/config/hook-config.ts';
import { ROOT } from '../../harness/packaging/packaging-files.ts';
import { helmTemplate, kubectl, kustomize, run } from '../../harness/packaging/cli-tools.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;
const dir = mkdtempSync(join(tmpdir(), 'kreboot-chart-hooks-'));

const JOB = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { labels: { team: 'storage' } },
  spec: {
    backoffLimit: 0,
    template: {
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'noout', image: 'quay.io/ceph/ceph:v19', command: ['ceph', 'osd', 'set', 'noout'] }],
      },
    },
  },
};

function render(name: string, values: object): Doc[] {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(values));
  return (loadAllYaml(helmTemplate('kreboot', 'kreboot', file)) as Doc[]).filter(Boolean);
}

const find = (docs: Doc[], kind: string, name?: string) => docs.find((d) => d.kind === kind && (!name || d.metadata.name === name));
const jobRules = (docs: Doc[]) =>
  docs
    .filter((d) => d.kind === 'Role' || d.kind === 'ClusterRole')
    .flatMap((d) =>
      (d.rules ?? []).map((rule: Doc) => ({
        apiGroups: rule.apiGroups,
        resources: rule.resources,
        verbs: rule.verbs,
        in: `${d.kind} ${d.metadata.namespace ?? ''}`,
      })),
    )
    .filter((rule: Doc) => (rule.resources ?? []).includes('jobs'));

test('without hook values: no ConfigMap, no hook flags, no permission on Jobs', () => {
  const docs = render('none', {});
  assert.equal(
    docs.some((d) => d.kind === 'ConfigMap' && d.metadata.name.endsWith('-hooks')),
    false,
  );
  const args: string[] = find(docs, 'Deployment').spec.template.spec.containers[0].args;
  assert.equal(
    args.some((arg) => /^--(pre-drain|post-reboot|hook)-/.test(arg)),
    false,
  );
  assert.deepEqual(jobRules(docs), []);
});

test('a pre-drain Job template as a value reaches the controller as a file its loader accepts, with create/get/list/watch/delete on Jobs here', () => {
  const docs = render('hooks', {
    controller: { hooks: { preDrainJob: JOB }, hookTimeout: '15m', hookFailure: 'halt' },
    agent: { postRebootHookCommand: "/bin/sh -c 'systemctl start warm-cache'" },
  });
  const configMap = find(docs, 'ConfigMap', 'kreboot-controller-hooks');
  assert.ok(configMap, 'the templates ConfigMap');
  assert.deepEqual(Object.keys(configMap.data), ['pre-drain-job.yaml']);
  const deployment = find(docs, 'Deployment');
  const container = deployment.spec.template.spec.containers[0];
  const args: string[] = container.args;
  assert.ok(args.includes('--pre-drain-hook-job=/etc/kreboot/hooks/pre-drain-job.yaml'), args.join(' '));
  assert.ok(args.includes('--hook-timeout=15m') && args.includes('--hook-failure=halt'), args.join(' '));
  assert.equal(
    args.some((arg) => arg.startsWith('--post-reboot-hook-job')),
    false,
  );
  assert.deepEqual(
    { ...container.volumeMounts.find((mount: Doc) => mount.name === 'hooks') },
    { name: 'hooks', mountPath: '/etc/kreboot/hooks', readOnly: true },
  );
  assert.equal(
    deployment.spec.template.spec.volumes.find((volume: Doc) => volume.name === 'hooks').configMap.name,
    configMap.metadata.name,
  );

  // What the controller reads at that path is what the value said, and its own loader accepts it.
  const mounted = join(dir, 'pre-drain-job.yaml');
  writeFileSync(mounted, configMap.data['pre-drain-job.yaml']);
  const loaded = loadControllerConfig(
    [
      '--webhook-auth=none',
      '--ds-namespace=kreboot',
      ...args
        .slice(1)
        .filter((arg) => /^--(pre-drain|post-reboot|hook)-/.test(arg))
        .map((arg) => arg.replace('/etc/kreboot/hooks/pre-drain-job.yaml', mounted)),
    ],
    {},
  );
  assert.deepEqual(loaded.problems, []);
  assert.deepEqual(loaded.config.hooks?.jobs['pre-drain'], JOB);

  // Jobs: only in the release's namespace, only the verbs the runner uses.
  assert.deepEqual(jobRules(docs), [
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list', 'watch', 'delete'], in: 'Role kreboot' },
  ]);

  // The host hook reaches the agent, which runs privileged to enter the host's namespaces.
  const agent = find(docs, 'DaemonSet').spec.template.spec.containers[0];
  assert.ok(agent.args.includes("--post-reboot-hook-command=/bin/sh -c 'systemctl start warm-cache'"), agent.args.join(' '));
  assert.equal(agent.securityContext.privileged, true);
});

test('the kustomize component adds the template, the flag, its mount and the Jobs Role to the base, and nothing else', () => {
  const overlay = mkdtempSync(join(tmpdir(), 'kreboot-hooks-overlay-'));
  writeFileSync(
    join(overlay, 'kustomization.yaml'),
    [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      `  - ${relative(overlay, join(ROOT, 'deploy/base'))}`,
      'components:',
      `  - ${relative(overlay, join(ROOT, 'deploy/components/hooks'))}`,
      '',
    ].join('\n'),
  );
  const result = run(kubectl(), ['kustomize', overlay]);
  assert.equal(result.code, 0, result.stderr);
  const docs = (loadAllYaml(result.stdout) as Doc[]).filter(Boolean);
  const base = (loadAllYaml(kustomize('deploy/base')) as Doc[]).filter(Boolean);
  assert.equal(docs.length, base.length + 3, 'the base, a ConfigMap, a Role and its binding');
  const configMap = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name.startsWith('kreboot-controller-hooks'));
  assert.deepEqual(templateProblems(load(configMap.data['pre-drain-job.yaml']), 'kreboot'), []);
  const container = find(docs, 'Deployment', 'kreboot-controller').spec.template.spec.containers[0];
  assert.ok(container.args.includes('--pre-drain-hook-job=/etc/kreboot/hooks/pre-drain-job.yaml'));
  const volume = find(docs, 'Deployment', 'kreboot-controller').spec.template.spec.volumes.find((v: Doc) => v.name === 'hooks');
  assert.equal(volume.configMap.name, configMap.metadata.name);
  assert.deepEqual(jobRules(docs), [
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list', 'watch', 'delete'], in: 'Role kreboot' },
  ]);
});
