// values.schema.json and values.yaml describe the same keys: the schema closes every object the chart
// reads key by key (so a misspelled key is an error, not silently ignored), lists every value the
// chart has, and every value of kured's chart. Helm itself applies the schema in
// test/integration/packaging/values-schema.test.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readDocs, readText, type Doc } from '../../harness/packaging/packaging-files.ts';

const schema = JSON.parse(readText('deploy/helm/kreboot/values.schema.json'));
const values = readDocs('deploy/helm/kreboot/values.yaml')[0];
const kured = readDocs('test/integration/packaging/kured-values.yaml')[0];

/** Dotted paths of the closed (additionalProperties: false) objects of a schema. */
function closedObjects(node: Doc, path = ''): Map<string, Doc> {
  const found = new Map<string, Doc>();
  if (node?.additionalProperties === false) found.set(path, node);
  for (const [key, child] of Object.entries(node?.properties ?? {})) {
    for (const [p, n] of closedObjects(child, path ? `${path}.${key}` : key)) found.set(p, n);
  }
  const items = node?.items;
  if (items && !Array.isArray(items)) for (const [p, n] of closedObjects(items, `${path}[]`)) found.set(p, n);
  return found;
}

function at(root: Doc, path: string): Doc {
  return path === '' ? root : path.split('.').reduce((object, key) => object?.[key], root);
}

const closed = closedObjects(schema);

test("the top level and every object of kreboot's and kured's settings reject unknown keys", () => {
  for (const path of [
    '',
    'image',
    'configuration',
    'rbac',
    'serviceAccount',
    'podSecurityPolicy',
    'metrics',
    'service',
    'agent',
    'controller',
    'controller.pdb',
    'controller.service',
    'controller.credentials',
    'controller.lockDaemonSet',
    'controller.extraSecretMounts[]',
    'admissionPolicy',
    'prometheusRule',
    'alertmanagerConfig',
  ]) {
    assert.ok(closed.has(path), `the schema leaves ${path || 'the top level'} open`);
  }
});

test("every key of values.yaml is in the schema, and every closed object's keys are in values.yaml", () => {
  for (const [path, node] of closed) {
    if (path.endsWith('[]')) continue; // list items: values.yaml has none
    const object = at(values, path);
    assert.ok(object && typeof object === 'object', `values.yaml has no ${path}`);
    const known = Object.keys(node.properties);
    for (const key of Object.keys(object))
      assert.ok(known.includes(key), `${path ? `${path}.` : ''}${key} is in values.yaml but not in the schema`);
    // `global` is Helm's, for use as a subchart.
    for (const key of known)
      if (key !== 'global') assert.ok(key in object, `${path ? `${path}.` : ''}${key} is in the schema but not in values.yaml`);
  }
});

test("every key of kured's values file is in the schema", () => {
  for (const [path, node] of closed) {
    if (path.endsWith('[]')) continue;
    const object = at(kured, path);
    if (!object || typeof object !== 'object') continue;
    for (const key of Object.keys(object)) assert.ok(key in node.properties, `kured's ${path ? `${path}.` : ''}${key} would be rejected`);
  }
});
