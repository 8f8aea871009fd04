#!/usr/bin/env bash
# The end-to-end scenarios on a Kind cluster, as users install Portcullis:
#   1. create the cluster (e2e/kind/kind-config.yaml),
#   2. build both images with their Dockerfiles and load them into the nodes,
#   3. helm lint, then helm install charts/portcullis with e2e/kind/values.yaml,
#   4. deploy the backends (e2e/kind/backends.yaml) and run the scenarios (e2e KindE2E), which
#      apply examples/ with kubectl, send traffic through the NodePort, restart and roll the
#      operator and the data planes, and helm upgrade,
#   5. helm uninstall, and check that only what the docs say stays behind,
#   6. on failure, collect logs into e2e/target/kind-artifacts/.
# Skipped, with exit code 0 and a message, where docker or kind are missing.
#
# Environment: PORTCULLIS_E2E_CLUSTER (cluster name, default portcullis-e2e),
# PORTCULLIS_E2E_KEEP_CLUSTER=1 (leave the cluster running), PORTCULLIS_E2E_REUSE_CLUSTER=1 (use
# an existing cluster of that name), PORTCULLIS_E2E_SKIP_BUILD=1 (images already loaded).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

say() { printf '\n=== e2e/kind: %s\n' "$*"; }

for tool in docker kind kubectl helm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "e2e/kind: $tool is not installed: the Kind suite is skipped (./mvnw -B verify runs the same scenarios on the local harness)"
    exit 0
  fi
done
if ! docker info >/dev/null 2>&1; then
  echo "e2e/kind: no Docker daemon answers: the Kind suite is skipped (./mvnw -B verify runs the same scenarios on the local harness)"
  exit 0
fi

CLUSTER="${PORTCULLIS_E2E_CLUSTER:-portcullis-e2e}"
NAMESPACE=portcullis
RELEASE=portcullis
ARTIFACTS="$PWD/e2e/target/kind-artifacts"
KUBECONFIG_FILE="$PWD/e2e/target/kind-kubeconfig"
VERSION="$(./mvnw -B -q help:evaluate -Dexpression=project.version -DforceStdout)"
mkdir -p "$ARTIFACTS"

collect() {
  say "collecting logs into $ARTIFACTS"
  kubectl get all,ingress,ingressclass,proxyroutes,endpointslices,networkpolicies,pdb -A -o wide \
    > "$ARTIFACTS/objects.txt" 2>&1 || true
  kubectl get events -A --sort-by=.lastTimestamp > "$ARTIFACTS/events.txt" 2>&1 || true
  for component in operator data-plane; do
    kubectl -n "$NAMESPACE" logs -l "app.kubernetes.io/component=$component" --all-containers --prefix \
      --tail=-1 > "$ARTIFACTS/$component.log" 2>&1 || true
    kubectl -n "$NAMESPACE" logs -l "app.kubernetes.io/component=$component" --all-containers --prefix \
      --previous --tail=-1 > "$ARTIFACTS/$component-previous.log" 2>&1 || true
    kubectl -n "$NAMESPACE" describe pods -l "app.kubernetes.io/component=$component" \
      > "$ARTIFACTS/$component-pods.txt" 2>&1 || true
  done
  helm -n "$NAMESPACE" history "$RELEASE" > "$ARTIFACTS/helm-history.txt" 2>&1 || true
  kind export logs "$ARTIFACTS/kind" --name "$CLUSTER" >/dev/null 2>&1 || true
  cp -r e2e/target/failsafe-reports "$ARTIFACTS/" 2>/dev/null || true
}

finish() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    collect
    echo "e2e/kind: FAILED (exit $rc); logs in $ARTIFACTS"
  fi
  if [ -z "${PORTCULLIS_E2E_KEEP_CLUSTER:-}" ] && [ -z "${PORTCULLIS_E2E_REUSE_CLUSTER:-}" ]; then
    kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
  fi
  exit "$rc"
}
trap finish EXIT

if [ -n "${PORTCULLIS_E2E_REUSE_CLUSTER:-}" ] && kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  say "using the existing cluster $CLUSTER"
else
  say "creating the cluster $CLUSTER"
  kind create cluster --name "$CLUSTER" --config e2e/kind/kind-config.yaml --wait 180s
fi
kind get kubeconfig --name "$CLUSTER" > "$KUBECONFIG_FILE"
export KUBECONFIG="$KUBECONFIG_FILE"
kubectl version

if [ -z "${PORTCULLIS_E2E_SKIP_BUILD:-}" ]; then
  say "building the images portcullis/operator:$VERSION and portcullis/data-plane:$VERSION"
  docker build -f operator/Dockerfile -t "portcullis/operator:$VERSION" .
  docker build -f data-plane/Dockerfile -t "portcullis/data-plane:$VERSION" .
  docker tag "portcullis/data-plane:$VERSION" portcullis/data-plane:e2e
  say "loading them into the nodes"
  kind load docker-image --name "$CLUSTER" "portcullis/operator:$VERSION" "portcullis/data-plane:$VERSION" \
    portcullis/data-plane:e2e
fi

say "helm lint and install"
helm lint --strict charts/portcullis
helm lint --strict charts/portcullis -f e2e/kind/values.yaml
helm lint --strict charts/portcullis-crds
helm upgrade --install "$RELEASE" charts/portcullis --namespace "$NAMESPACE" --create-namespace \
  --values e2e/kind/values.yaml --wait --timeout 5m
kubectl get crd proxyroutes.portcullis.dev
kubectl get ingressclass portcullis
kubectl -n "$NAMESPACE" get pods -o wide

say "running the scenarios (e2e KindE2E)"
PORTCULLIS_E2E_KIND=1 PORTCULLIS_E2E_RELEASE="$RELEASE" PORTCULLIS_E2E_NAMESPACE="$NAMESPACE" \
  PORTCULLIS_E2E_VALUES=e2e/kind/values.yaml PORTCULLIS_E2E_HTTP_PORT=18080 PORTCULLIS_E2E_HTTPS_PORT=18443 \
  ./mvnw -B -pl e2e -am verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=KindE2E -Dfailsafe.failIfNoSpecifiedTests=false
grep -h "passed in\|ok, .* failed" e2e/target/failsafe-reports/*KindE2E-output.txt || true
kubectl get ingress -A

say "helm uninstall"
helm uninstall "$RELEASE" --namespace "$NAMESPACE" --wait --timeout 5m
# What stays, as the README says: the CRD (Helm never deletes crds/) and the two Secrets the
# operator made at run time. No workload, Service or binding is left.
left="$(kubectl -n "$NAMESPACE" get deployments,daemonsets,services,rolebindings,networkpolicies,pdb -o name)"
if [ -n "$left" ]; then
  echo "e2e/kind: objects left after helm uninstall:"; echo "$left"; exit 1
fi
kubectl get clusterrolebinding "$RELEASE-operator" >/dev/null 2>&1 && { echo "e2e/kind: the ClusterRoleBinding is left"; exit 1; }
kubectl get crd proxyroutes.portcullis.dev >/dev/null
kubectl -n "$NAMESPACE" get secret "$RELEASE-route-ca" "$RELEASE-data-plane-tls" >/dev/null
say "passed"
