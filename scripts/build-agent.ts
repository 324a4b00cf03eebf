// Bundles the agent into one CommonJS file, dist/kreboot-agent.cjs: what the DaemonSet runs on
// every node (ADR 0006). One file of only the agent's code keeps its idle memory under the 60 MB
// target (docs/agent.md); `npm run build` calls this after tsc, and the tests run the agent
// from a bundle built the same way.
//
//   node scripts/build-agent.ts [--outfile=dist/kreboot-agent.cjs]

import { build, type Metafile } from 'esbuild';
import { join } from 'node:path';

const ROOT = new URL('../', import.meta.url).pathname;
const AGENT_ENTRY = join(ROOT, 'src/agent/bin.ts');
const AGENT_BUNDLE = join(ROOT, 'dist/kreboot-agent.cjs');

export async function buildAgentBundle(outfile: string = AGENT_BUNDLE): Promise<Metafile> {
  const result = await build({
    entryPoints: [AGENT_ENTRY],
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
    // Only for --log-format=text, from node_modules at run time (the image has it): the
    // DaemonSet's JSON format never loads it.
    external: ['pino-pretty'],
    // logger.ts loads pino-pretty with createRequire(import.meta.url); CommonJS has no import.meta.
    define: { 'import.meta.url': '__kreboot_bundle_url' },
    banner: { js: 'const __kreboot_bundle_url = require("node:url").pathToFileURL(__filename).href;' },
    metafile: true,
    logLevel: 'warning',
  });
  // A warning here is a bundle that breaks at run time (say, an import.meta the define does not
  // cover, which CommonJS leaves empty): fail the build instead.
  if (result.warnings.length > 0) throw new Error(`esbuild warned ${result.warnings.length} time(s) while bundling the agent; see above`);
  return result.metafile;
}

if (import.meta.main) {
  const outfile = process.argv.find((arg) => arg.startsWith('--outfile='))?.slice('--outfile='.length);
  await buildAgentBundle(outfile ? join(process.cwd(), outfile) : AGENT_BUNDLE);
}
