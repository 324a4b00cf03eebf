// The packages the bundles leave out and load from node_modules at run time (scripts/build-bundles.ts),
// which are therefore all the image keeps of node_modules (scripts/prune-modules.ts).

/**
 * None today: pino-pretty (--log-format=text) was the only one, and the text format is now kured's
 * logfmt written by src/log/logfmt.ts inside the bundles (docs/adr/0016-logfmt-text-logs.md).
 */
export const RUNTIME_EXTERNALS: readonly string[] = [];
