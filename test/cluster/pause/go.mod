// The pod sandbox ("pause") process of the VM nodes, built by scripts/build-vm-node.sh and packed
// as an OCI archive there: the nodes have no registry to pull registry.k8s.io/pause from.
module kreboot.dev/testcluster/pause

go 1.26.0
