#!/usr/bin/env bash
# `npm run demo`: installs what is missing (npm dependencies with the project-local Node 24,
# Debian's prometheus and prometheus-alertmanager, the Kubernetes control plane built once into
# ~/.cache/kreboot), then runs the end-to-end demo (scripts/demo.ts). Extra arguments go to it
# (--keep: stay up at the end until Ctrl-C; --vm: the demo on two real VM nodes instead,
# scripts/demo-vm.ts, which also needs the image and the VM node built). Ctrl-C stops everything
# the demo started.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=setup.sh
source "$here/setup.sh"
setup_npm
setup_apt
setup_control_plane
export PATH="$KREBOOT_ROOT/node_modules/.bin:$PATH"
cd "$KREBOOT_ROOT"
for arg in "$@"; do
  if [ "$arg" = --vm ]; then
    setup_helm
    setup_image
    setup_vm_node
    exec node scripts/demo-vm.ts "$@"
  fi
done
exec node scripts/demo.ts "$@"
