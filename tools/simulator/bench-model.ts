// Figures for docs/simulator.md: how fast the model generates events for a large fleet, and what a
// device costs in memory. A script that prints numbers, not a test with a time limit (style.md #11).
// Run: node tools/simulator/bench-model.ts [devices] [virtual-secs]
import { buildScenario } from './scenario-load.ts';
import { bytesPerDevice } from './fleet.ts';
import { Simulation, toEnvelope } from './simulation.ts';

const devices = Number(process.argv[2] ?? 100_000);
const seconds = Number(process.argv[3] ?? 600);

const scenario = buildScenario({
  name: 'bench', seed: 7, duration_secs: seconds,
  fleet: {
    devices, heartbeat_interval_secs: 60,
    rings: [{ name: 'canary', share: 0.001 }, { name: 'early', share: 0.01 }, { name: 'broad', share: 0.1 }, { name: 'main' }],
    regions: [{ name: 'us', share: 0.5, utc_offset_hours: -5 }, { name: 'eu', share: 0.5, utc_offset_hours: 1 }],
    components: [{ name: 'agent', version: '7.1' }, { name: 'channel-291', version: 'c1' }, { name: 'os', version: '10.0.1' }],
  },
  noise: { reboot_waves: [{ start_secs: 120, spread_secs: 240, share: 0.3 }] },
  releases: [{ component: 'agent', version: '7.2', start_secs: 60, effect: 'crash_rate' }],
  rollout: { bake_secs: 60, spread_secs: 30 },
}, 'bench');

const used = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
const heapBefore = used();
const sim = new Simulation(scenario);
const heapAfter = used();
const fleetBytes = bytesPerDevice(sim.model.fleet) + sim.model.releases.length * 11;

async function measure(label: string, serialise: boolean): Promise<void> {
  const run = new Simulation(scenario);
  const t0 = performance.now();
  let events = 0;
  let bytes = 0;
  for await (const batch of run.batches()) {
    events += batch.length;
    if (serialise) for (const e of batch) bytes += JSON.stringify(toEnvelope(e)).length + 1;
  }
  const secs = (performance.now() - t0) / 1000;
  const extra = serialise ? `, ${(bytes / events).toFixed(0)} bytes/envelope as NDJSON` : '';
  console.log(`${label}: ${events} events in ${secs.toFixed(2)} s = ${Math.round(events / secs)} events/s${extra}`);
}

console.log(`fleet: ${devices} devices, ${seconds} virtual s, 60 s heartbeats`);
console.log(`fleet arrays: ${fleetBytes.toFixed(1)} bytes/device; heap + array buffers growth building the model: ${((heapAfter - heapBefore) / devices).toFixed(1)} bytes/device`);
await measure('model only (event objects)', false);
await measure('model + envelope JSON', true);
