// Assembles a running controller from its parts: the decision core (decision-core.ts: the
// watch-fed view, the rollout store, the reconciler, active only while this replica leads, the
// request store behind the webhook and the API), the status API and the HTTP server. Every
// dependency comes in as an argument (docs/design.md, "Where time and the API are reached").

import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import type { AlertmanagerClient } from '../alertmanager/alertmanager-client.ts';
import type { ErrorRequestHandler } from 'express';
import type { Registry } from 'prom-client';
import type { ControllerConfig } from '../config/controller-config.ts';
import type { Gate } from '../gates/gate.ts';
import { createBaseApp, listen, type Listening } from '../http/base-server.ts';
import { CONTROLLER_LIMITS } from '../http/server-limits.ts';
import { listenProbes } from '../http/probe-server.ts';
import { createAlertsRouter } from '../intake/alerts-router.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { createKubeReviews } from '../auth/kube-reviews.ts';
import { createOperatorAuth } from '../auth/operator-auth.ts';
import { apiErrorMessage } from '../kube/api-errors.ts';
import type { Logger } from '../log/logger.ts';
import type { QueueStatus } from '../notify/delivery-queue.ts';
import type { Notify } from '../notify/event.ts';
import { createOperatorRoutes } from './operator/operator-routes.ts';
import { buildStatus } from './status/status.ts';
import { createStatusCache } from './status/status-cache.ts';
import { createStatusFeed } from './status/status-feed.ts';
import { createLeaderLookup } from './status/status-leader.ts';
import { createStatusRouter } from './status/status-routes.ts';
import { createStatusStreams } from './status/status-streams.ts';
import { createTimeline } from './status/status-timeline.ts';
import { createClusterApi } from './cluster-api.ts';
import { createClusterView } from './cluster/cluster-view.ts';
import { createWorkloadView } from './cluster/workload-view.ts';
import { watchHookJobs } from './hooks/hook-job-watch.ts';
import { buildDecisionCore } from './decision-core.ts';
import { createLeaderElection, createLeaseApi } from './leader-election.ts';
import { withPools } from './status/status-pools.ts';
import { followPoolsFile } from './pools/pools-reload.ts';
import type { PoolSpec } from './pools/pool-specs.ts';

/** Held nodes named one by one when the controller refuses to start; the rest are counted. */
const MAX_LISTED = 20;
/** How long the first cycle waits for the workload gate's watch to list (a refused watch: not longer). */
const WORKLOAD_LIST_WAIT_MS = 10_000;

/** The controller refuses to start: the problems, listed like bad flags (exit 2). */
export class StartRefused extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('; '));
    this.problems = problems;
  }
}

export interface ControllerDeps {
  readonly config: ControllerConfig;
  readonly kc: KubeConfig;
  readonly log: Logger;
  readonly registry: Registry;
  readonly gates: readonly Gate[];
  /** A pool's gates (its own window); undefined: `gates`. */
  readonly poolGates?: (pool: PoolSpec) => readonly Gate[] | undefined;
  readonly notify: Notify;
  /** Notification destinations for the status API (no URLs). */
  readonly notificationStatus: () => readonly QueueStatus[];
  readonly webhookAuth: Authenticator;
  readonly adminAuth: Authenticator | undefined;
  /** Alertmanager (--alertmanager-url): quiet maintenance silences a node's alerts while kreboot reboots it. */
  readonly alertmanager?: AlertmanagerClient;
  readonly clock?: () => Date;
}

export interface RunningController {
  readonly http: Listening;
  /** The probes' own listener (--probe-port), when configured. */
  readonly probes: Listening | undefined;
  stop(): Promise<void>;
}

export async function startController(deps: ControllerDeps): Promise<RunningController> {
  const { config, kc, log, registry } = deps;
  const clock = deps.clock ?? (() => new Date());
  const identity = config.leaderElection.identity || `${hostname()}-${process.pid}`;
  const statusCache = createStatusCache();

  let statusChanged: () => void = () => {};
  let leading = !config.leaderElection.enabled;
  const core = buildDecisionCore(config, {
    api: createClusterApi(kc),
    view: (onChange) =>
      createClusterView({
        kc,
        dsNamespace: config.lock.dsNamespace,
        dsName: config.lock.dsName,
        nodeSelector: config.nodeSelector,
        log,
        onChange: (reason) => {
          onChange(reason);
          statusCache.clear();
          statusChanged();
        },
      }),
    gates: deps.gates,
    workloads: (onChange) => createWorkloadView({ kc, log, onChange }),
    ...(deps.poolGates ? { poolGates: deps.poolGates } : {}),
    notify: deps.notify,
    ...(deps.alertmanager ? { alertmanager: deps.alertmanager } : {}),
    log,
    registry,
    leading: () => leading,
    clock,
    onWake: () => statusCache.clear(),
    hookJobs: (onChange) => watchHookJobs({ kc, namespace: config.hooks?.namespace ?? config.lock.dsNamespace, log, onChange }),
  });
  const { view, rollout, performer, reconciler, requests, control, slotSettings, workloads, hookJobs } = core;
  const timeline = createTimeline();
  const leaderLookup = config.leaderElection.enabled
    ? createLeaderLookup({ kc, namespace: config.leaderElection.namespace, name: config.leaderElection.name })
    : undefined;
  const status = statusCache.get(() => {
    const nodes = reconciler.observed();
    timeline.observe(nodes);
    const built = buildStatus({
      nodes,
      queue: reconciler.queue(),
      rollout: rollout.current(),
      halt: reconciler.halt(),
      recovering: reconciler.recovering(),
      leader: leading,
      identity,
      leaderIdentity: leading ? undefined : leaderLookup?.current(),
      settings: slotSettings,
      now: clock(),
      notifications: deps.notificationStatus(),
      timeline: timeline.entries(),
    });
    return withPools(built, core.pools(), core.conflicts());
  });
  const feed = createStatusFeed({ build: status });
  statusChanged = feed.changed;

  const app = createBaseApp({ registry, ready: view.synced });
  app.use(createAlertsRouter({ config, sink: requests, log, registry, auth: deps.webhookAuth }));
  const streams = createStatusStreams({
    feed,
    status,
    onDropped: (why) => log.info({ why }, 'status stream closed: it fell behind'),
  });
  app.use(createStatusRouter({ status, streams, clock }));
  const auth = createOperatorAuth({ admin: deps.adminAuth, reviews: createKubeReviews(kc) });
  app.use(createOperatorRoutes({ plan: () => reconciler.forecast(), control, auth, namespace: config.lock.dsNamespace, log }));
  const apiErrors: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    log.error({ err: error }, 'request failed');
    const status = (error as { status?: number; statusCode?: number }).status ?? (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) res.status(status).json({ error: (error as Error).message });
    else res.status(503).json({ error: `the Kubernetes API could not be reached or refused the change: ${apiErrorMessage(error)}` });
  };
  app.use(apiErrors);

  // Serve first: a replica that cannot serve (port taken) must fail before it watches or seeks
  // leadership, or it would lead with no webhook, status or health endpoint. Until the view has
  // synced, /readyz says so and the webhook answers 503 with Retry-After.
  const http = await listen(app, config.metricsHost, config.metricsPort, CONTROLLER_LIMITS);
  let probes: Listening | undefined;
  try {
    // The kubelet's probes apart from the public routes, so no client can starve them (issue 26).
    if (config.probePort !== 0) probes = await listenProbes({ host: config.metricsHost, port: config.probePort, ready: view.synced });
    await view.start();
    // A node that two pools' selectors match is a configuration error named at start, and so is a
    // node another install has work on; one that appears later is held and reported (docs/pools.md).
    const conflicts = core.conflicts();
    if (conflicts.length > 0) {
      const shown = conflicts
        .slice(0, MAX_LISTED)
        .map((conflict) => `${conflict.install ? '' : '--pools-file: '}node ${conflict.node}: ${conflict.reason}`);
      if (conflicts.length > MAX_LISTED) shown.push(`and ${conflicts.length - MAX_LISTED} more node(s) held for the same reasons`);
      throw new StartRefused(shown);
    }
    // The workload gate's watch; until it has listed, the gate holds with that reason.
    const listing = workloads
      ?.start()
      .catch((error: unknown) => log.warn({ err: error }, 'the workload gate could not watch workloads; it holds until it can'));
    await hookJobs?.start();
    // The first cycle waits for that list, a few seconds at most: decided before it, every pending
    // node was recorded as waiting on the watch, then again once it had listed (ADR 0026).
    if (listing) await Promise.race([listing, delay(WORKLOAD_LIST_WAIT_MS, undefined, { ref: false })]);
  } catch (error) {
    await view.stop().catch(() => undefined);
    await workloads?.stop().catch(() => undefined);
    await probes?.close();
    await http.close();
    throw error;
  }
  const election = config.leaderElection.enabled
    ? createLeaderElection({
        api: createLeaseApi(kc, config.leaderElection.namespace, config.leaderElection.name),
        namespace: config.leaderElection.namespace,
        name: config.leaderElection.name,
        identity,
        leaseDurationMs: config.leaderElection.leaseDurationMs,
        log,
        onChange: (value) => {
          leading = value;
          reconciler.setActive(value);
          statusCache.clear();
          statusChanged();
        },
      })
    : undefined;
  // The pools file is followed once the view has listed: a reload is checked against the nodes.
  const poolsReload = config.poolsFile ? followPoolsFile({ path: config.poolsFile, config, core, log, registry }) : undefined;
  if (election) election.start();
  else reconciler.setActive(true);
  log.info({ port: http.port, probePort: probes?.port, identity, concurrency: config.concurrency }, 'controller serving');
  return {
    http,
    probes,
    async stop() {
      // The running cycle and any drain pass beside it finish before the Lease is released: no
      // other replica may act while this one still writes.
      poolsReload?.stop();
      reconciler.stop();
      streams.close();
      feed.close();
      await reconciler.idle();
      await performer.settled();
      await election?.stop();
      await http.close();
      await probes?.close();
      await view.stop();
      await workloads?.stop();
      await hookJobs?.stop();
    },
  };
}
