#!/usr/bin/env node
// `npm run bench:pass-floor [-- --hours 2] [--rate R] [--scenario FILE]`: how soon ANY detector could pass
// a healthy release on the crash signal without also passing a crash regression, by ring size. A floor,
// not a figure of ringwatch: the most favourable case there is - every exposed device online for the whole
// time, the control's crash rate known exactly (no control noise), one look at the end (no penalty for
// watching every window), crash episodes Poisson - and the most powerful test for it (Neyman-Pearson: pass
// when few enough episodes were seen, randomised at the boundary). ringwatch's pass rule faces all that
// this floor leaves out, so it can only be slower. Prints Markdown tables; a benchmark prints figures only.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadScenario } from '../../simulator/scenario-load.ts';
import { markdownTable } from './detection-score.ts';
import { poissonCdf, healthyPassFloor, hoursToSeparate } from './pass-floor-math.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');
const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: `${root}/deploy/scenarios/realistic-fleet.yaml` },
    rate: { type: 'string' },
    hours: { type: 'string', default: '2' },
    'healthy-pass': { type: 'string', default: '0.95' },
    'false-pass': { type: 'string', default: '0.05' },
  },
});
const scenario = loadScenario(values.scenario!);
const noise = scenario.noise;
// Mean crash rate of a device of the fleet while it is on (crash-prone devices included).
const rate = values.rate !== undefined
  ? Number(values.rate)
  : noise.crash_per_device_hour * (1 + noise.crash_prone_share * (noise.crash_prone_multiplier - 1));
const hours = Number(values.hours);
const healthyPass = Number(values['healthy-pass']);
const falsePass = Number(values['false-pass']);
if (!(rate > 0) || !(hours > 0) || !(healthyPass > 0 && healthyPass < 1) || !(falsePass > 0 && falsePass < 1)) {
  throw new Error('--rate and --hours must be positive, --healthy-pass and --false-pass within (0, 1)');
}

const RINGS = [30, 50, 100, 250, 500, 1000, 2000];
const FACTORS = [2, 1.3];
const pct = (p: number) => `${(100 * p).toFixed(p < 0.001 ? 3 : 1)} %`;

const within = RINGS.map((n) => {
  const mu = rate * n * hours;
  return [String(n), mu.toFixed(2), pct(poissonCdf(0, mu)), ...FACTORS.map((f) => pct(healthyPassFloor(mu, f, healthyPass)))];
});
const needed = RINGS.map((n) => [String(n), ...FACTORS.map((f) => {
  const h = hoursToSeparate(rate * n, f, healthyPass, falsePass);
  return h === undefined ? 'over 10,000' : h.toFixed(1);
})]);

process.stdout.write([
  `Crash-signal pass floor: ${rate.toFixed(4)} crash episodes per device-hour (${values.rate !== undefined ? '--rate' : `${values.scenario}: crash_per_device_hour ${noise.crash_per_device_hour}, ${noise.crash_prone_share * 100} % crash-prone at x${noise.crash_prone_multiplier}`}), every exposed device online throughout, the control's rate known exactly, one look.`,
  '',
  `Within ${hours} h of exposure, a test that passes a healthy release with probability ${pct(healthyPass)} passes a crash regression with at least (\`npm run bench:pass-floor -- --hours ${hours}\`):`,
  '',
  markdownTable(within, ['ring (devices)', 'healthy crash episodes expected', 'P(no episode at all)', ...FACTORS.map((f) => `x${f} passed at least`)]),
  '',
  `Hours of exposure before any test can pass a healthy release with probability ${pct(healthyPass)} and a regression with at most ${pct(falsePass)}:`,
  '',
  markdownTable(needed, ['ring (devices)', ...FACTORS.map((f) => `x${f} (h)`)]),
  '',
].join('\n'));
