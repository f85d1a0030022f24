// Writes the provisioned dashboards (deploy/grafana/dashboards/*.json) from their TypeScript definitions.
// test/deploy checks the committed JSON is up to date.   Run: node deploy/grafana/build-dashboards.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { fleetDashboard } from './fleet-dashboard.ts';
import { pipelineDashboard } from './pipeline-dashboard.ts';
import { releaseDashboard } from './release-dashboard.ts';

export const DASHBOARDS_DIR = fileURLToPath(new URL('./dashboards/', import.meta.url));

/** File name -> JSON text of every dashboard. */
export function renderDashboards(): Map<string, string> {
  const all = { 'ringwatch-fleet.json': fleetDashboard, 'ringwatch-pipeline.json': pipelineDashboard, 'ringwatch-releases.json': releaseDashboard };
  return new Map(Object.entries(all).map(([file, d]) => [file, `${JSON.stringify(d, null, 2)}\n`]));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [file, text] of renderDashboards()) {
    writeFileSync(join(DASHBOARDS_DIR, file), text);
    process.stdout.write(`wrote ${join(DASHBOARDS_DIR, file)}\n`);
  }
}
