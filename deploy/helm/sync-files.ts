// Copies the canonical Prometheus rules (deploy/prometheus/rules/*.yaml) and Grafana dashboards
// (deploy/grafana/dashboards/*.json) into the chart's files/: Helm's .Files reads only inside the chart
// directory, and a symlink would not survive `helm package` everywhere. test/deploy/helm.test.ts checks
// the copies are identical and complete.   Run: node deploy/helm/sync-files.ts
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { DASHBOARDS_DIR } from '../grafana/build-dashboards.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
export const CHART_DIR = join(here, 'ringwatch');
const RULES_DIR = join(here, '../prometheus/rules');

/** Where each copy comes from: chart folder (relative to the chart) -> source folder and file suffix. */
export const COPIED: { target: string; source: string; suffix: string }[] = [
  { target: 'files/prometheus-rules', source: RULES_DIR, suffix: '.yaml' },
  { target: 'files/dashboards', source: DASHBOARDS_DIR, suffix: '.json' },
];

/** Path inside the chart -> the content it must have. */
export function chartFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const { target, source, suffix } of COPIED) {
    for (const name of readdirSync(source).filter((f) => f.endsWith(suffix)).sort()) {
      files.set(`${target}/${name}`, readFileSync(join(source, name), 'utf8'));
    }
  }
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Start from empty folders, so a rule file or dashboard removed at the source leaves the chart too.
  for (const { target } of COPIED) rmSync(join(CHART_DIR, target), { recursive: true, force: true });
  for (const [path, text] of chartFiles()) {
    mkdirSync(dirname(join(CHART_DIR, path)), { recursive: true });
    writeFileSync(join(CHART_DIR, path), text);
    process.stdout.write(`wrote ${join(CHART_DIR, path)}\n`);
  }
}
