// Every pool's reconciler behind the one Reconciler the rest of the controller knows (app.ts, the
// status, the plan, the simulation): a wake, leadership and shutdown go to every pool;
// what is observed is every pool's nodes; the plan is each pool's forecast, its waves merged wave
// by wave since the pools go side by side (docs/pools.md).

import type { Forecast } from '../policy/forecast.ts';
import type { Reconciler } from '../reconciler.ts';

/** The plan with each pool's own when there are pools. */
export type PooledForecast = Forecast & { readonly pools?: readonly (Forecast & { readonly pool: string })[] };

export function mergeForecasts(named: readonly { readonly pool: string; readonly forecast: Forecast }[]): PooledForecast {
  if (named.length === 1) return named[0]!.forecast;
  const all = named.map((entry) => entry.forecast);
  const waves: string[][] = [];
  for (const forecast of all) forecast.waves.forEach((wave, index) => (waves[index] = [...(waves[index] ?? []), ...wave]));
  const per = all.map((forecast) => forecast.estimate);
  const totals = per.map((estimate) => estimate.totalSeconds);
  const measured = per.filter((estimate) => estimate.perNodeSeconds !== null);
  return {
    order: all.flatMap((forecast) => forecast.order),
    waves,
    held: all.flatMap((forecast) => forecast.held),
    rolloutHeld: all.find((forecast) => forecast.rolloutHeld)?.rolloutHeld ?? null,
    inFlight: all.flatMap((forecast) => forecast.inFlight).sort(),
    estimate: {
      perNodeSeconds: measured.length > 0 ? Math.max(...measured.map((estimate) => estimate.perNodeSeconds!)) : null,
      // The pools go side by side: the slowest one is the time it takes.
      totalSeconds: totals.some((total) => total === null) && totals.some((total) => total !== null) ? null : maxOrNull(totals),
      basedOn: per.reduce((sum, estimate) => sum + estimate.basedOn, 0),
    },
    pools: named.map((entry) => ({ pool: entry.pool, ...entry.forecast })),
  };
}

function maxOrNull(values: readonly (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === values.length && known.length > 0 ? Math.max(...known) : null;
}

export function combineReconcilers(
  current: () => readonly Reconciler[],
  onActive: (active: boolean) => void,
  names: () => readonly string[] = () => [],
): Reconciler {
  const each = (call: (reconciler: Reconciler) => void) => current().forEach(call);
  return {
    wake: (reason) => each((reconciler) => reconciler.wake(reason)),
    setActive(active) {
      onActive(active);
      each((reconciler) => reconciler.setActive(active));
    },
    observed: () => current().flatMap((reconciler) => reconciler.observed()),
    halt() {
      for (const reconciler of current()) {
        const halt = reconciler.halt();
        if (halt) return halt;
      }
      return undefined;
    },
    recovering() {
      for (const reconciler of current()) {
        const recovering = reconciler.recovering();
        if (recovering) return recovering;
      }
      return undefined;
    },
    queue: () => current().flatMap((reconciler) => reconciler.queue()),
    async forecast() {
      const reconcilers = current();
      const pools = names();
      const forecasts = await Promise.all(reconcilers.map((reconciler) => reconciler.forecast()));
      return mergeForecasts(forecasts.map((forecast, index) => ({ pool: pools[index] ?? String(index), forecast })));
    },
    async idle() {
      await Promise.all(current().map((reconciler) => reconciler.idle()));
    },
    stop: () => each((reconciler) => reconciler.stop()),
  };
}
