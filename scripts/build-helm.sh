#!/usr/bin/env bash
# Builds helm from the Go module proxy (there is no Debian package of it) into a cache outside the
# checkout, keyed by version, beside the control plane's, so a fresh clone on the same machine (CI's
# case) reuses the binary. Prints the binary's path on stdout; progress goes to stderr.
set -euo pipefail

HELM_VERSION="v3.22.0"
cache="${KREBOOT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kreboot}"
dir="$cache/helm/helm-$HELM_VERSION"
if [ -x "$dir/helm" ]; then echo "$dir/helm"; exit 0; fi

command -v go >/dev/null || { echo "build-helm: Go (>= 1.26) is needed to build helm" >&2; exit 1; }
mkdir -p "$dir"
start=$SECONDS
echo "[build-helm] building helm $HELM_VERSION (a few minutes on 2 cores the first time)" >&2
# Built into a temp folder and renamed, so an interrupted build never looks complete. helm's go.mod
# has no replace directives, so `go install module@version` builds exactly the released module.
tmp="$(mktemp -d "$dir/.helm.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS= go install -trimpath \
  -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
  "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
mv "$tmp/helm" "$dir/helm"
echo "[build-helm $((SECONDS - start))s] done" >&2
echo "$dir/helm"
