#!/usr/bin/env bash
# oci-archive.sh OUT.tar REF DIR ENTRYPOINT...: packs DIR as a one-layer OCI image archive (image
# layout in a tar) that `ctr -n k8s.io images import` takes, named REF. Our own few lines instead
# of a registry or an image builder: the node's images are tiny and fixed. Deterministic (owner 0,
# mtime 0, sorted), so the same input gives the same digest.
set -euo pipefail
out="$1" ref="$2" dir="$3"
shift 3
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
blobs="$work/blobs/sha256"
mkdir -p "$blobs"
# blob FILE: moves FILE into the blob store and prints its digest.
blob() { local d; d="$(sha256sum "$1" | cut -d' ' -f1)"; mv "$1" "$blobs/$d"; echo "$d"; }
size() { stat -c %s "$blobs/$1"; }

tar --create --file="$work/layer" --directory="$dir" --owner=0 --group=0 --numeric-owner --mtime=@0 --sort=name .
layer="$(blob "$work/layer")"
jq -n --arg layer "sha256:$layer" '$ARGS.positional as $entry | {
  architecture: "amd64", os: "linux", created: "1970-01-01T00:00:00Z",
  config: {Entrypoint: $entry, Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
  rootfs: {type: "layers", diff_ids: [$layer]}}' --args "$@" > "$work/config"
config="$(blob "$work/config")"
jq -n --arg config "$config" --argjson csize "$(size "$config")" --arg layer "$layer" --argjson lsize "$(size "$layer")" '{
  schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: "sha256:\($config)", size: $csize},
  layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: "sha256:\($layer)", size: $lsize}]}' > "$work/manifest"
manifest="$(blob "$work/manifest")"
jq -n --arg manifest "$manifest" --argjson size "$(size "$manifest")" --arg ref "$ref" '{
  schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: "sha256:\($manifest)", size: $size,
    platform: {architecture: "amd64", os: "linux"},
    annotations: {"io.containerd.image.name": $ref, "org.opencontainers.image.ref.name": ($ref | sub(".*:"; ""))}}]}' > "$work/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$work/oci-layout"
tar --create --file="$out" --directory="$work" --owner=0 --group=0 --numeric-owner --mtime=@0 --sort=name oci-layout index.json blobs
