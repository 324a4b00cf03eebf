// The pools file (--pools-file): shapes and types, every problem at once; the pools resolved
// against the flags (inheritance, windows, zone caps); overlaps certain before any node exists
// refused, possible ones noticed; selectors' logic decided exactly per key.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadControllerConfig } from '../../../src/config/controller-config.ts';
import { parsePoolsFile } from '../../../src/config/pools-file.ts';
import { implies, mayOverlap, satisfiable } from '../../../src/controller/pools/selector-logic.ts';

const OPEN = ['--webhook-auth=none'];

function withFile(text: string, extra: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'pools-'));
  const path = join(dir, 'pools.yaml');
  writeFileSync(path, text);
  return loadControllerConfig([...OPEN, `--pools-file=${path}`, ...extra], {});
}

describe('parsePoolsFile', () => {
  it('reads YAML and JSON', () => {
    const yaml = parsePoolsFile('pools:\n  - name: gpu\n    nodeSelector: pool=gpu\n    concurrency: 2\n    rebootDays: [mo, tu]\n', 'f');
    assert.deepEqual(yaml.problems, []);
    assert.deepEqual(yaml.entries, [{ name: 'gpu', nodeSelector: 'pool=gpu', concurrency: 2, rebootDays: ['mo', 'tu'] }]);
    const json = parsePoolsFile('{"pools":[{"name":"db","nodeSelector":"pool=db","trigger":"node"}]}', 'f');
    assert.deepEqual(json.entries, [{ name: 'db', nodeSelector: 'pool=db', trigger: 'node' }]);
    assert.deepEqual(parsePoolsFile('', 'f'), { entries: [], problems: [] }, 'an empty file: no pools');
  });

  it('lists every problem at once, naming the pool and the key', () => {
    const { problems } = parsePoolsFile(
      [
        'pools:',
        '  - name: GPU',
        '    nodeSelector: pool=gpu',
        '  - name: db',
        '    concurrency: 0',
        '    trigger: sometimes',
        '    concurency: 2',
        '  - name: default',
        '    nodeSelector: a=b',
        '  - name: x',
        '    nodeSelector: a=c',
        '  - name: x',
        '    nodeSelector: a=d',
        '    rebootSignal: 99',
      ].join('\n'),
      'pools.yaml',
    );
    const text = problems.join('\n');
    assert.match(text, /pools\[0\] \(GPU\): name "GPU" must be lowercase/);
    assert.match(text, /pools\[1\] \(db\): concurrency must be between 1 and 1000, not 0/);
    assert.match(text, /pools\[1\] \(db\): trigger must be one of alert, node, not "sometimes"/);
    assert.match(text, /pools\[1\] \(db\): unknown key "concurency"/);
    assert.match(text, /pools\[1\] \(db\): nodeSelector is required/);
    assert.match(text, /pools\[2\] \(default\): name "default" is the pool of the nodes no pool selects/);
    assert.match(text, /pools\[4\] \(x\): rebootSignal must be between 1 and 64, not 99/);
    assert.equal(problems.length, 7, text);
  });

  it('refuses what is not YAML, or not a list of pools', () => {
    assert.match(parsePoolsFile('pools: [', 'f').problems[0]!, /^f: not valid YAML or JSON/);
    assert.match(parsePoolsFile('- name: a', 'f').problems[0]!, /must be a mapping with one key, "pools"/);
    assert.match(parsePoolsFile('pools: {a: 1}', 'f').problems[0]!, /pools must be a list/);
  });
});

describe('--pools-file in the controller configuration', () => {
  it('resolves the pools, the default first, each inheriting what it leaves out from the flags', () => {
    const { config, problems } = withFile(
      'pools:\n  - name: gpu\n    nodeSelector: pool=gpu\n    concurrency: 3\n    startTime: "22:00"\n    endTime: "04:00"\n  - name: db\n    nodeSelector: pool=db\n    maxUnavailablePerZone: 1\n',
      ['--concurrency=2', '--zone-label=topology.kubernetes.io/zone', '--trigger=node', '--time-zone=Europe/Berlin'],
    );
    assert.deepEqual(problems, []);
    const [fallback, gpu, db] = config.pools!;
    assert.equal(fallback!.name, 'default');
    assert.equal(fallback!.lockAnnotation, 'weave.works/kured-node-lock', "the default pool keeps kured's lock");
    assert.equal(fallback!.concurrency, 2);
    assert.equal(gpu!.concurrency, 3);
    assert.equal(gpu!.lockAnnotation, 'kreboot.dev/lock.gpu');
    assert.equal(gpu!.ownWindow, true);
    assert.deepEqual([gpu!.window.startTime, gpu!.window.endTime, gpu!.window.timeZone], ['22:00', '04:00', 'Europe/Berlin']);
    assert.equal(db!.concurrency, 2, 'inherited from --concurrency');
    assert.equal(db!.trigger, 'node', 'inherited from --trigger');
    assert.equal(db!.topology.maxUnavailablePerZone, 1);
    assert.equal(db!.ownWindow, false);
  });

  it('refuses identical and nested selectors, a window that does not parse, a zone cap with no zone label: all at once', () => {
    const { problems } = withFile(
      [
        'pools:',
        '  - {name: a, nodeSelector: "pool=gpu"}',
        '  - {name: b, nodeSelector: "pool = gpu"}',
        '  - {name: c, nodeSelector: "pool in (db, cache)"}',
        '  - {name: d, nodeSelector: "pool=db,zone=x"}',
        '  - {name: e, nodeSelector: "size=large,size=small"}',
        '  - {name: f, nodeSelector: "kind=x", startTime: "25:00", maxUnavailablePerZone: 1}',
      ].join('\n'),
      ['--zone-label='],
    );
    const text = problems.join('\n');
    assert.match(text, /pools "a" and "b": the same nodes match both selectors/);
    assert.match(text, /pools "d" and "c": every node matching "pool=db,zone=x" also matches "pool in \(db, cache\)"/);
    assert.match(text, /pool "e": nodeSelector "size=large,size=small" can match no node/);
    assert.match(text, /pool "f": window start-time/);
    assert.match(text, /pool "f": maxUnavailablePerZone and zoneByZone need --zone-label/);
  });

  it('allows selectors that only may overlap, with a notice', () => {
    const { problems, notices } = withFile(
      'pools:\n  - {name: gpu, nodeSelector: "gpu=true"}\n  - {name: arm, nodeSelector: "arch=arm64"}\n',
    );
    assert.deepEqual(problems, []);
    assert.match(notices.join('\n'), /pools "gpu" and "arm": a node could match both/);
  });

  it('names an unreadable file', () => {
    const { problems } = loadControllerConfig([...OPEN, '--pools-file=/nonexistent/pools.yaml'], {});
    assert.match(problems.join('\n'), /--pools-file: cannot read \/nonexistent\/pools.yaml: ENOENT/);
  });
});

describe('selector logic', () => {
  const table: [string, string, { implies: boolean; overlap: boolean }][] = [
    ['pool=a', 'pool=a', { implies: true, overlap: true }],
    ['pool=a', 'pool=b', { implies: false, overlap: false }],
    ['pool=a,zone=x', 'pool=a', { implies: true, overlap: true }],
    ['pool=a', 'pool=a,zone=x', { implies: false, overlap: true }],
    ['pool=a', 'pool in (a,b)', { implies: true, overlap: true }],
    ['pool=a', 'pool!=b', { implies: true, overlap: true }],
    ['pool=a', '!pool', { implies: false, overlap: false }],
    ['pool', 'pool notin (a)', { implies: false, overlap: true }],
    ['gpu=true', 'arch=arm64', { implies: false, overlap: true }],
    ['size>3', 'size<2', { implies: false, overlap: false }],
    ['size>3', 'size>2', { implies: true, overlap: true }],
    ['pool=a', 'pool', { implies: true, overlap: true }],
  ];
  for (const [a, b, want] of table)
    it(`"${a}" vs "${b}"`, () => {
      assert.equal(implies(a, b), want.implies, 'implies');
      assert.equal(mayOverlap(a, b), want.overlap, 'may overlap');
    });
  it('a selector that contradicts itself matches nothing', () => {
    assert.equal(satisfiable('a=1,a=2'), false);
    assert.equal(satisfiable('a,!a'), false);
    assert.equal(satisfiable('a in (1,2),a notin (1,2)'), false);
    assert.equal(satisfiable('a in (1,2),a!=1'), true);
  });
});
