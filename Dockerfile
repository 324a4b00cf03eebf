# syntax=docker/dockerfile:1
# kreboot: one image for both roles (`kreboot controller`, `kreboot agent`; the manifests pass the
# subcommand as the first argument). Node 24 on Debian slim, pinned by digest: the slim image has
# util-linux, so `nsenter` is there for the agent's command reboot method and sentinel command.
# Build: docker build -t ghcr.io/kreboot/kreboot:0.1.0 .
# Refresh the digest with: docker buildx imagetools inspect node:24-trixie-slim

ARG NODE_IMAGE=node:24-trixie-slim@sha256:8ec5d7557396cfe32d21c3f9c13072355ceab22b584578ca4bb28af31120cffe

# --- compile TypeScript to dist/ (tsc rewrites the .ts import specifiers), and bundle the agent
#     into dist/kreboot-agent.cjs, the file the DaemonSet runs (ADR 0006) ---
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: the image's own Node compiles, and esbuild finds its binary through its
# platform package; the `node` devDependency is not needed here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/build-bundles.ts scripts/runtime-externals.ts ./scripts/
RUN npx --no-install tsc -p tsconfig.build.json \
 && node scripts/build-bundles.ts

# --- the production dependencies the bundles load at run time (scripts/runtime-externals.ts; none
#     today), nothing else: every other package is inside the bundles already ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/prune-modules.ts scripts/runtime-externals.ts ./scripts/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && node scripts/prune-modules.ts \
 && npm cache clean --force

# --- runtime ---
FROM ${NODE_IMAGE}
# The runtime needs neither npm nor yarn: remove them (less to patch, less to exploit), and fail the
# build if nsenter is missing rather than the agent at reboot time.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg \
 && nsenter --version
# glibc malloc gives each thread that allocates an arena of its own (up to 8 per core); V8's and
# libuv's worker threads each leave one partly used. Two arenas: 2-3 MB less RSS for the controller
# at start, and a bound on what threads can hold under load (ADR 0024, bench/controller-memory.ts).
# The agent (--v8-pool-size=0) neither gains nor loses: docs/agent.md measured MALLOC_ARENA_MAX=1.
ENV NODE_ENV=production MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# Non-root by default (the controller); the agent's manifests run it as root because nsenter into
# the host (command method) or signalling host PID 1 (signal method, with CAP_KILL) needs it.
USER 65532:65532
EXPOSE 8080
# The whole CLI in one bundle (scripts/build-bundles.ts). A 4 MB semi-space caps V8's young
# generation: by default it grows to ~100 MB under a burst of webhooks or watch events, all of it
# short-lived garbage (docs/performance.md, "Scale": 203 → 88 MB RSS on a synthetic burst). A
# 160 MB old space keeps the heap well inside the manifests' 256 MiB limit (code and buffers take
# the rest), so V8 collects before the kernel would kill the pod; the controller's live heap at
# 5,000 nodes is far below it (docs/performance.md). Without Node's start-up snapshot the process
# builds its bootstrap heap itself (about 70 ms once) and keeps ~4 MB fewer pages resident, as the
# agent does (ADR 0006, ADR 0024).
ENTRYPOINT ["node", "--max-semi-space-size=4", "--max-old-space-size=160", "--no-node-snapshot", "/app/dist/kreboot.cjs"]
CMD ["--help"]
