#!/usr/bin/env bash
# The whole test suite, as CI runs it (`npm test`): set-up of whatever is missing, type check,
# lint, formatting, then unit and integration tests in one run of Node's test runner. The global setup
# starts one real control plane for the run; Prometheus and Alertmanager are started by the test
# files that need them. Node's summary is the last thing printed.
#
#   KREBOOT_TEST_CONCURRENCY  test files run at once (default 1: the machine is 2 shared cores and
#                             every integration file runs real servers)
#   KREBOOT_TEST_FILES        test files or globs instead of all of them
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=setup.sh
source "$here/setup.sh"
cd "$KREBOOT_ROOT"

start=$SECONDS
stage_start=$SECONDS
stage() { echo "[test] $1: $((SECONDS - stage_start)) s" >&2; stage_start=$SECONDS; }

setup_all
stage "set-up"
node --version >/dev/null
tsc -p tsconfig.json --noEmit
stage "type check"
eslint .
stage "lint"
# Formatting is checked, not applied: `npm run format` applies it (.prettierrc.json).
prettier --check '{src,test,bench,scripts,deploy}/**/*.ts' '*.js'
stage "format"

# Globs are passed to Node unexpanded: its runner expands ** itself.
if [ -n "${KREBOOT_TEST_FILES:-}" ]; then
  read -r -a files <<<"$KREBOOT_TEST_FILES"
else
  files=('test/unit/**/*.test.ts' 'test/integration/**/*.test.ts' 'test/e2e/**/*.test.ts' 'test/real/**/*.test.ts')
fi
echo "[test] set-up, type check and lint took $((SECONDS - start)) s; running tests (control plane: $KREBOOT_CONTROL_PLANE_BIN)" >&2
exec node --test \
  --test-global-setup=test/harness/global-setup.ts \
  --test-concurrency="${KREBOOT_TEST_CONCURRENCY:-1}" \
  --test-timeout=600000 \
  --test-reporter=spec \
  "${files[@]}"
