#!/usr/bin/env bash
# `npm run demo`: installs what is missing (npm dependencies with the project-local Node 24,
# Debian's prometheus and prometheus-alertmanager, the Kubernetes control plane built once into
# ~/.cache/kreboot), then runs the end-to-end demo (scripts/demo.ts). Extra arguments go to it
# (--keep: stay up at the end until Ctrl-C). Ctrl-C stops everything the demo started.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=setup.sh
source "$here/setup.sh"
setup_npm
setup_apt
setup_control_plane
export PATH="$KREBOOT_ROOT/node_modules/.bin:$PATH"
cd "$KREBOOT_ROOT"
exec node scripts/demo.ts "$@"
