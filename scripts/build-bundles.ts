// Bundles what the image runs into single CommonJS files (ADR 0006):
// - dist/kreboot-agent.cjs, what the DaemonSet runs on every node: only the agent's code, which
//   keeps its idle memory under the 60 MB target (docs/agent.md);
// - dist/kreboot.cjs, the whole CLI, the image's entry point (the controller and the operator
//   commands). Loading one minified file instead of ~1,000 modules of node_modules saves ~35 MB of
//   the controller's memory (135 → 99 MB RSS after loading, issue 14; docs/performance.md).
// `npm run build` calls this after tsc, and the tests run the agent and the shipped controller
// from bundles built the same way.
//
//   node scripts/build-bundles.ts [--agent-outfile=dist/kreboot-agent.cjs] [--cli-outfile=dist/kreboot.cjs]

import { build, type Metafile } from 'esbuild';
import { join } from 'node:path';
import { RUNTIME_EXTERNALS } from './runtime-externals.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const AGENT_ENTRY = join(ROOT, 'src/agent/bin.ts');
const AGENT_BUNDLE = join(ROOT, 'dist/kreboot-agent.cjs');
const CLI_ENTRY = join(ROOT, 'src/cli.ts');
const CLI_BUNDLE = join(ROOT, 'dist/kreboot.cjs');

export function buildAgentBundle(outfile: string = AGENT_BUNDLE): Promise<Metafile> {
  return bundle(AGENT_ENTRY, outfile, 'the agent');
}

export function buildCliBundle(outfile: string = CLI_BUNDLE): Promise<Metafile> {
  return bundle(CLI_ENTRY, outfile, 'the CLI');
}

async function bundle(entry: string, outfile: string, what: string): Promise<Metafile> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    // CommonJS, not ESM: an ESM import of a Node built-in builds a facade that reads every export,
    // and node:http's lazy exports then load http2, undici, worker_threads and more (~3 MB here).
    format: 'cjs',
    // Smaller source text is less heap; the source map (not loaded unless --enable-source-maps)
    // turns minified stack traces back into src/ lines.
    minify: true,
    sourcemap: 'linked',
    // Loaded from node_modules at run time (runtime-externals.ts says why); the image keeps them.
    external: [...RUNTIME_EXTERNALS],
    metafile: true,
    logLevel: 'warning',
  });
  // A warning here is a bundle that breaks at run time (say, an import.meta the define does not
  // cover, which CommonJS leaves empty): fail the build instead.
  if (result.warnings.length > 0) throw new Error(`esbuild warned ${result.warnings.length} time(s) while bundling ${what}; see above`);
  return result.metafile;
}

if (import.meta.main) {
  const option = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const agent = option('agent-outfile');
  const cli = option('cli-outfile');
  await buildAgentBundle(agent ? join(process.cwd(), agent) : AGENT_BUNDLE);
  await buildCliBundle(cli ? join(process.cwd(), cli) : CLI_BUNDLE);
}
