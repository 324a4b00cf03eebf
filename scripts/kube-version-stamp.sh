# Sourced by the scripts that build Kubernetes binaries (build-control-plane.sh, build-vm-node.sh).
# kube_version_stamp VERSION: the -X flags Kubernetes's own build stamps its version with
# (hack/lib/version.sh); without them the binaries report v0.0.0-master and /version lies.
kube_version_stamp() {
  local version=$1 minor pkg stamp=""
  minor="${version#v1.}"; minor="${minor%%.*}"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    stamp+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
    stamp+=" -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$stamp"
}
