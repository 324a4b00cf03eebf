// The packages the bundles leave out and load from node_modules at run time (scripts/build-bundles.ts),
// which are therefore all the image keeps of node_modules (scripts/prune-modules.ts).

/**
 * axios: the controller imports it on its first outbound request (Prometheus, Alertmanager, an HTTP
 * notifier; src/http/outbound-http.ts), and many controllers never make one. Inside the bundle its
 * code was still read and kept with the rest, 3.6 MB of the controller's memory at start; from
 * node_modules it costs nothing until used (docs/adr/0024-controller-memory-and-simulation-speed.md).
 * (pino-pretty was the first; the text format is now logfmt written by the bundles, ADR 0016.)
 */
export const RUNTIME_EXTERNALS: readonly string[] = ['axios'];
