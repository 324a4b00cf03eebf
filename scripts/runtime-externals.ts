// The packages the bundles leave out and load from node_modules at run time (scripts/build-bundles.ts),
// which are therefore all the image keeps of node_modules (scripts/prune-modules.ts).

/** pino-pretty: only for --log-format=text; the DaemonSet's JSON format never loads it. */
export const RUNTIME_EXTERNALS: readonly string[] = ['pino-pretty'];
