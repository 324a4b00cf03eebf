// Property-style: many seeded random bodies (garbage bytes, random JSON, mutated real payloads, deep
// nesting, wrong types, huge sizes). Every answer is 200 or a 4xx — never a 5xx, never a crash —
// and only 200 answers may have touched the store.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { alertBody, post, startRouter, type Fixture } from '../../harness/intake/alerts-router-server.ts';
import { seededRandom } from '../../harness/seeded-random.ts';

const rng = seededRandom;

const SEED = Number(process.env.PROPERTY_SEED ?? 20261126);

function randomValue(r: () => number, depth: number): unknown {
  const pick = Math.floor(r() * (depth > 4 ? 6 : 8));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return Math.floor(r() * 2e9) - 1e9;
    case 3:
      return r() * 1e300;
    case 4:
      return randomString(r);
    case 5:
      return ['firing', 'resolved', '4', 'RebootRequired', 'n1', '__proto__', 'constructor'][Math.floor(r() * 7)];
    case 6:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      const keys = [
        'version',
        'alerts',
        'status',
        'labels',
        'node',
        'alertname',
        'fingerprint',
        '__proto__',
        'truncatedAlerts',
        randomString(r),
      ];
      for (let i = Math.floor(r() * 5); i > 0; i--) out[keys[Math.floor(r() * keys.length)]!] = randomValue(r, depth + 1);
      return out;
    }
  }
}

function randomString(r: () => number): string {
  const length = Math.floor(r() * 20);
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCodePoint(Math.floor(r() * 0x2fff));
  return s;
}

function mutate(r: () => number, value: unknown, depth = 0): unknown {
  if (r() < 0.15 || depth > 6) return randomValue(r, depth);
  if (Array.isArray(value)) return value.map((v) => mutate(r, v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (r() > 0.1) out[k] = mutate(r, v, depth + 1);
    return out;
  }
  return value;
}

function body(r: () => number, i: number): string | Uint8Array {
  const valid = JSON.parse(
    alertBody([
      { labels: { alertname: 'RebootRequired', node: 'n1' } },
      { status: 'resolved', labels: { alertname: 'RebootRequired', instance: 'n2:9100' } },
    ]),
  );
  switch (i % 7) {
    case 0:
      return Uint8Array.from({ length: Math.floor(r() * 2000) }, () => Math.floor(r() * 256));
    case 1:
      return JSON.stringify(randomValue(r, 0));
    case 2:
      return JSON.stringify(mutate(r, valid));
    case 3: {
      // deep nesting, in an array or in a label value
      const depth = 1000 + Math.floor(r() * 20_000);
      return r() < 0.5
        ? '['.repeat(depth) + ']'.repeat(depth)
        : `{"version":"4","alerts":[{"status":"firing","labels":{"node":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}}]}`;
    }
    case 4:
      return JSON.stringify(valid).slice(0, Math.floor(r() * JSON.stringify(valid).length)); // truncated
    case 5:
      return JSON.stringify({ ...valid, alerts: Array.from({ length: 3000 }, () => valid.alerts[0]) }); // over the 64 KiB limit
    default:
      return JSON.stringify(valid).replace(/"/g, () => (r() < 0.05 ? "'" : '"'));
  }
}

let fx: Fixture;
before(async () => {
  fx = await startRouter();
});
after(() => fx.close());

test(`random bodies never get a 5xx (seed ${SEED})`, async () => {
  const r = rng(SEED);
  const seen = new Map<number, number>();
  for (let i = 0; i < 700; i++) {
    const input = body(r, i);
    const before = fx.sink.calls.length;
    const res = await post(fx.url, input);
    seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
    assert.ok(
      res.status === 200 || (res.status >= 400 && res.status < 500),
      `case ${i}: status ${res.status} for ${String(input).slice(0, 200)}`,
    );
    if (res.status !== 200) assert.equal(fx.sink.calls.length, before, `case ${i}: a rejected payload reached the store`);
  }
  // The generator really exercises the paths: rejects of several kinds and some accepted payloads.
  assert.ok((seen.get(400) ?? 0) > 100, JSON.stringify([...seen]));
  assert.ok((seen.get(413) ?? 0) > 50, JSON.stringify([...seen]));
  assert.ok((seen.get(200) ?? 0) > 3, JSON.stringify([...seen]));
  // And the server is still answering normally.
  assert.equal((await post(fx.url, alertBody([{ labels: { alertname: 'RebootRequired', node: 'n3' } }]))).status, 200);
});
