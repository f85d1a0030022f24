#!/usr/bin/env bash
# Install the offline validators the deploy checks use (idempotent; CI runs it once per machine):
#   - kubernetes-validate (PyPI): Kubernetes API JSON schemas bundled in the package, no download at run time;
#   - compose-spec (the `cmd` of the Go module github.com/compose-spec/compose-go/v2, the loader Docker
#     Compose itself uses, with the published compose-spec.json schema embedded), as .ringwatch/tools/compose-spec;
#   - helm (the `cmd/helm` of the Go module helm.sh/helm/v3), as .ringwatch/tools/helm, for `helm lint` and
#     `helm template` of deploy/helm/ringwatch (both work offline: the chart has no dependencies);
#   - the CRD files of prometheus-operator, Argo Rollouts and Flagger, from their Go modules, into the Go
#     module cache (check.sh finds them there with `go mod download -json`, offline once cached).
# Debian's prometheus (promtool) and prometheus-alertmanager (amtool) come from .ci/run's apt-get line.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/deploy/validate"
tools="$root/.ringwatch/tools"
mkdir -p "$tools"

KUBERNETES_VALIDATE_VERSION=1.37.0
COMPOSE_GO_VERSION=v2.16.2
HELM_VERSION=v3.22.0
HELM_KUBE_VERSION=1.37   # helm v3.22.0 builds on k8s.io/client-go v0.37

if ! python3 -c "import kubernetes_validate, sys; sys.exit(kubernetes_validate.__version__ != '$KUBERNETES_VALIDATE_VERSION')" 2>/dev/null; then
  echo "== pip install kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" >&2
  # PIP_BREAK_SYSTEM_PACKAGES: a Debian system Python refuses global installs (PEP 668) without it.
  PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" >&2
fi

if [ ! -x "$tools/compose-spec" ] || [ "$(cat "$tools/compose-spec.version" 2>/dev/null)" != "$COMPOSE_GO_VERSION" ]; then
  echo "== go install github.com/compose-spec/compose-go/v2/cmd@$COMPOSE_GO_VERSION" >&2
  gobin="$(mktemp -d)"
  GOBIN="$gobin" GOFLAGS=-mod=mod go install "github.com/compose-spec/compose-go/v2/cmd@$COMPOSE_GO_VERSION"
  mv "$gobin/cmd" "$tools/compose-spec"
  rmdir "$gobin"
  echo "$COMPOSE_GO_VERSION" > "$tools/compose-spec.version"
fi

# The -X flags are the ones helm's own Makefile sets for a release: without them `helm version` says
# "v3.22" and helm template / lint assume Kubernetes 1.20 (the release assumes 1.<client-go minor>, 1.37).
if [ "$("$tools/helm" version --template '{{.Version}}' 2>/dev/null)" != "$HELM_VERSION" ]; then
  echo "== go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
  gobin="$(mktemp -d)"
  GOBIN="$gobin" GOFLAGS=-mod=mod CGO_ENABLED=0 go install -trimpath -ldflags "-w -s \
    -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
    -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=${HELM_KUBE_VERSION%.*} \
    -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${HELM_KUBE_VERSION#*.} \
    -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=${HELM_KUBE_VERSION%.*} \
    -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${HELM_KUBE_VERSION#*.}" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mv "$gobin/helm" "$tools/helm"
  rmdir "$gobin"
fi

echo "== CRD modules" >&2
bash "$here/check.sh" crd-files >/dev/null
echo "deploy validators ready" >&2
