#!/usr/bin/env node
// `npm run bench:catastrophe-floor [-- --control N] [--spec FILE]`: the fewest silent devices the
// catastrophe rule needs before it fires, by the ring's cohort size (exposed devices online since the
// start) and by the share of the same-time control that went silent over the same span. Computed with the
// rule itself (stratifiedCatastrophe, one stratum) and the thresholds of the detection benchmark's spec,
// so the failure onset of the benchmark (the k-th death, k from the guards alone) can be compared with
// what the rule's significance needs: where the table's figure is above k, a fail has to wait for later
// deaths however fast silence is counted. Prints a Markdown table; a benchmark prints figures only.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildConfig } from '../../../app/config.ts';
import { detectionSettings } from '../../../processors/core/settings.ts';
import { fewestThatFire } from './catastrophe-needs.ts';
import { loadBenchSpec } from './detection-spec.ts';
import { guardDeaths, markdownTable } from './detection-score.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');
const { values } = parseArgs({
  options: {
    spec: { type: 'string', default: `${root}/deploy/examples/detection-bench.yaml` },
    control: { type: 'string', default: '650' },
  },
});
const spec = loadBenchSpec(values.spec);
const s = detectionSettings(buildConfig(spec.ringwatch, {}).processor);
const controlDevices = Number(values.control);
if (!Number.isInteger(controlDevices) || controlDevices < s.minControl) throw new Error(`--control: an integer >= min_control_devices (${s.minControl})`);

const RING_SIZES = [3, 4, 5, 7, 10, 15, 20, 25, 50, 100, 250, 500];
const CONTROL_SHARES = [0, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05];

const header = ['cohort (devices)', 'k (guards only)', ...CONTROL_SHARES.map((q) => `control ${(q * 100).toFixed(2)} % silent`)];
const rows = RING_SIZES.map((n) => [String(n), String(guardDeaths(s.minAffected, s.minExcess, n)), ...CONTROL_SHARES.map((q) => String(fewestThatFire(n, Math.round(q * controlDevices), controlDevices, s) ?? 'never'))]);
process.stdout.write([
  `Fewest silent devices the catastrophe rule needs to fire: alpha_catastrophe ${s.alphaCatastrophe}, min_affected_devices ${s.minAffected}, `
    + `min_excess_fraction ${s.minExcess}, a control of ${controlDevices} devices (\`npm run bench:catastrophe-floor -- --control ${controlDevices}\`)`,
  '',
  markdownTable(rows, header),
  '',
].join('\n'));
