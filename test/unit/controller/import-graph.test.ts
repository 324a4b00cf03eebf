// The shape of src/ as an import graph (ADR 0022): no import cycle anywhere; the decision cycle
// (reconciler.ts) and the runner (perform.ts and what it runs: steps/, lock/slot-keeper.ts) never
// import each other's internals — the cycle knows the runner only by its Performer interface, and
// neither reaches the other except through the own-writes overlay beside the view; the policy
// (policy/) stays free of I/O modules; the one wiring (decision-core.ts) is the only module that
// builds both. Read from the source text, so a new import that breaks a rule fails here.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../../..');
const SRC = join(ROOT, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return files(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * Module (path under src/) → the modules under src/ it imports: every import (`graph`, for the
 * layering rules, where a type is a dependency too) and those that load at run time (`runtime`:
 * `import type` is erased, so it cannot make a cycle of module loading).
 */
function importGraphs(): { graph: Map<string, string[]>; runtime: Map<string, string[]> } {
  const graph = new Map<string, string[]>();
  const runtime = new Map<string, string[]>();
  const pattern = /(?:^|\n)\s*(import|export)\s+(type\s)?[^;]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g;
  for (const file of files(SRC)) {
    const text = readFileSync(file, 'utf8');
    const all: string[] = [];
    const loaded: string[] = [];
    for (const match of text.matchAll(pattern)) {
      const target = relative(SRC, resolve(dirname(file), match[3] ?? match[4]!));
      all.push(target);
      if (!match[2]) loaded.push(target);
    }
    graph.set(relative(SRC, file), all);
    runtime.set(relative(SRC, file), loaded);
  }
  return { graph, runtime };
}

const { graph, runtime } = importGraphs();

/** Every module `from` reaches through its imports. */
function reach(from: string, edges = graph): Set<string> {
  const seen = new Set<string>();
  const stack = [...(edges.get(from) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(edges.get(next) ?? []));
  }
  return seen;
}

const RUNNER_INTERNALS = (module: string) =>
  module.startsWith('controller/steps/') || module === 'controller/lock/slot-keeper.ts' || module === 'controller/perform.ts';

describe('the import graph of src/', () => {
  it('reads the modules it checks (the rules below are not vacuous)', () => {
    for (const module of [
      'controller/reconciler.ts',
      'controller/perform.ts',
      'controller/cluster/own-writes.ts',
      'controller/read-model.ts',
    ])
      assert.ok(graph.has(module), `${module} not found`);
    assert.ok(graph.get('controller/perform.ts')!.includes('controller/steps/drain-runs.ts'));
    assert.ok(graph.get('controller/reconciler.ts')!.includes('controller/perform.ts'), 'a type-only import is read');
    assert.ok(!runtime.get('controller/reconciler.ts')!.includes('controller/perform.ts'));
  });

  it('has no import cycle (of modules loaded at run time)', () => {
    const cycles: string[] = [];
    for (const module of runtime.keys()) if (reach(module, runtime).has(module)) cycles.push(module);
    assert.deepEqual(cycles, [], `modules on an import cycle: ${cycles.join(', ')}`);
  });

  it('the cycle imports only the runner interface, never its internals', () => {
    // perform.ts itself is imported for its types only (Performer, PerformContext).
    const direct = graph
      .get('controller/reconciler.ts')!
      .filter((module) => RUNNER_INTERNALS(module) && module !== 'controller/perform.ts');
    assert.deepEqual(direct, [], 'reconciler.ts imports the runner’s internals');
    const line = /import\s+(type\s+)?\{[^}]*\}\s+from\s+'\.\/perform\.ts'/.exec(
      readFileSync(join(SRC, 'controller/reconciler.ts'), 'utf8'),
    );
    assert.ok(!line || line[1], 'reconciler.ts imports perform.ts for more than its types');
  });

  it('the runner never reaches the cycle, the read model or the wiring', () => {
    const cycleSide = ['controller/reconciler.ts', 'controller/read-model.ts', 'controller/decision-core.ts', 'controller/app.ts'];
    for (const module of graph.keys()) {
      if (!RUNNER_INTERNALS(module)) continue;
      const reached = [...reach(module)].filter((other) => cycleSide.includes(other));
      assert.deepEqual(reached, [], `${module} reaches ${reached.join(', ')}`);
    }
  });

  it('the own-writes overlay depends on neither the cycle nor the runner', () => {
    const reached = [...reach('controller/cluster/own-writes.ts')].filter((module) => module.startsWith('controller/'));
    assert.deepEqual(reached, []);
  });

  it('the policy imports no runner, cycle, API or watch module', () => {
    const io = (module: string) =>
      RUNNER_INTERNALS(module) ||
      ['controller/reconciler.ts', 'controller/read-model.ts', 'controller/cluster-api.ts', 'controller/decision-core.ts'].includes(
        module,
      ) ||
      module.startsWith('controller/cluster/') ||
      module.startsWith('controller/status/') ||
      module.startsWith('controller/operator/');
    for (const [module, imports] of graph) {
      if (!module.startsWith('controller/policy/')) continue;
      assert.deepEqual(imports.filter(io), [], `${module} imports I/O modules`);
    }
  });
});
