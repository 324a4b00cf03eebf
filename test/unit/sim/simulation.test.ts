// The deterministic simulation (test/sim/), bounded for `npm test`: a fixed range of seeds, so
// the result is the same on every run. Each seed drives the real reconciler, policy, runner and
// steps against the API model with faults, then checks liveness once the faults stop; a failure
// names the broken invariant and the command that replays the seed with its trace. The nightly-
// sized run is `npm run sim -- --runs=1000000`.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSimulation } from '../../sim/simulation.ts';

const FIRST_SEED = 1;
const RUNS = 500;

describe('deterministic simulation', () => {
  it(`keeps every invariant for seeds ${FIRST_SEED}–${FIRST_SEED + RUNS - 1}`, async () => {
    const failures: string[] = [];
    for (let seed = FIRST_SEED; seed < FIRST_SEED + RUNS; seed++) {
      const result = await runSimulation({ seed });
      if (result.violation) failures.push(`seed ${seed}: ${result.violation.check}: ${result.violation.detail}\n  replay: npm run sim -- --seed=${seed} --trace`);
    }
    assert.deepEqual(failures, [], `${failures.length} of ${RUNS} seeds broke an invariant:\n${failures.slice(0, 15).join('\n')}`);
  });

  it('replays a seed exactly', async () => {
    const first = await runSimulation({ seed: 4242, trace: true });
    const again = await runSimulation({ seed: 4242, trace: true });
    // Job IDs are random UUIDs in the code under test; everything else must repeat.
    const strip = (lines: readonly string[] | undefined) => (lines ?? []).map((line) => line.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'JOB'));
    assert.ok(first.steps > 50);
    assert.deepEqual(strip(again.trace), strip(first.trace));
  });
});
