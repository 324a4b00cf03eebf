// The deterministic simulation (test/sim/), bounded for `npm test`: a fixed range of 10,000 seeds,
// so the result is the same on every run, shared by two worker threads (`npm run sim`, about 90 s
// on this 2-core machine). Each seed drives the real reconciler, policy, runner and steps against
// the API model with faults, then checks liveness once the faults stop; a failure names the broken
// invariant and the command that replays the seed with its trace. The nightly-sized run is
// `npm run sim -- --runs=1000000 --workers=2`.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { runSimulation } from '../../sim/simulation.ts';

const RUNS = 10_000;
const SIM = resolve(import.meta.dirname, '../../../scripts/sim.ts');

describe('deterministic simulation', () => {
  it(`keeps every invariant for seeds 1–${RUNS}`, () => {
    const run = spawnSync(process.execPath, [SIM, `--runs=${RUNS}`, '--workers=2', '--max-failures=15'], {
      encoding: 'utf8',
      timeout: 900_000,
    });
    const output = `${run.stdout}${run.stderr}`;
    assert.equal(run.status, 0, `the simulation found violations (or failed):\n${output.slice(-6000)}`);
    assert.match(output, new RegExp(`${RUNS} run\\(s\\) in [0-9.]+ s .* 0 failing`));
  });

  // Seeds beyond that range that once broke an invariant (test/sim/README.md): a start whose
  // answer was lost with the lock's holders lost (concurrency), and silences made or extended for
  // a node whose write then failed or that was gone (silence-on-reboot); and, once issue 24's parts
  // met in one build, a halt or a recovery on a node of another pool that a pool did not see (6343
  // recovery-holds, 7509 halt-holds: a pool judged them on its own cut of the nodes); beyond CI's
  // range, a resume whose write landed after a newer halt and lifted it (73719 halt-holds), and a
  // node relabelled out of its pool while its lock holder was lost with the DaemonSet, reclaimed in
  // another pool (68509 pool-cap); and a slot left from a node's ended round keeping it in its
  // old pool for its next round, against its labels (12183 pool-cap); a cordon this controller wrote
  // forgotten while the watch lagged, with the lock's holders lost (85796 concurrency); a silence
  // asked for before a cordon that never landed (76228 silence-on-reboot); a start decided before a
  // halt landing its cordon after it while two leaders acted (87715 halt-holds, exempt: README); a
  // halt's node record overwritten past its retry time (30028), a never-cordoned slot keeping a node
  // in its old pool (31013), a new leader's lagging view (20227), the halt limit in the other order
  // (34167).
  it('keeps every invariant for the seeds once found failing', async () => {
    for (const seed of [
      10939, 20148, 11897, 24819, 35658, 6343, 7509, 73719, 68509, 12183, 85796, 76228, 87715, 30028, 31013, 20227, 34167,
    ]) {
      const result = await runSimulation({ seed });
      assert.equal(result.violation, undefined, `seed ${seed}: ${result.violation?.check}: ${result.violation?.detail}`);
    }
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
