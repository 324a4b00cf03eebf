#!/usr/bin/env bash
# `npm run demo`: installs and builds whatever is missing (see setup.sh), then runs the demo.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=setup.sh
source "$here/setup.sh"
setup_all
cd "$KREBOOT_ROOT"
exec node scripts/demo-cluster.ts
