// The backtest's replay on a worker thread (the default where two CPUs are free) must say exactly
// what it says in one thread: every decision, verdict change, incident, halt with its blast radius, and
// the summary. A failure while the worker runs must end the backtest with the error, not hang it. And the
// worker must yield to the reading thread, the one that bounds the wall time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../app/config.ts';
import { runBacktest, type BacktestSummary } from '../../../tools/replay/backtest-run.ts';
import type { BacktestRecord } from '../../../tools/replay/backtest-report.ts';
import type { ReplayItem } from '../../../tools/replay/ndjson-reader.ts';
import { timestampMs } from '../../../common/contract/formats.ts';
import { buildScenario } from '../../processors/support/scenario.ts';

const here = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const EXAMPLE = here('deploy/examples/backtest/crowdstrike-300.ndjson.gz');
const config = loadConfig(here('deploy/examples/backtest/crowdstrike.yaml'));

async function replay(replayThread: boolean, write?: (r: BacktestRecord) => Promise<void>) {
  const records: BacktestRecord[] = [];
  const summary = await runBacktest({
    config, input: EXAMPLE, reorderWindowMs: 120_000, reorderMaxEvents: 2_000_000, allDecisions: true, replayThread,
    write: write ?? (async (r) => { records.push(r); }),
    onBadLine: (line, reason) => assert.fail(`line ${line}: ${reason}`),
  });
  return { records, summary };
}

/** The summary less what the clock and the machine decide. */
function facts(s: BacktestSummary) {
  const { wallSecs: _w, eventsPerSec: _e, cpuSecs: _c, eventsPerCpuSec: _p, peakRssBytes: _r, ...rest } = s;
  return rest;
}

describe('backtest: the replay on a worker thread', () => {
  it('writes the same records and summary as one thread', async () => {
    const one = await replay(false);
    const two = await replay(true);
    assert.ok(one.records.some((r) => r.type === 'halt'), 'the example halts its bad release');
    assert.ok(one.records.some((r) => r.type === 'incident.opened'), 'and pages');
    assert.equal(one.records.filter((r) => r.type === 'decision').length, one.summary.decisions);
    assert.deepEqual(two.records, one.records);
    assert.deepEqual(facts(two.summary), facts(one.summary));
  });

  it('counts the devices that reported a release in heartbeats, in rings it started in and elsewhere, on either thread', async () => {
    const H = 60_000;
    const t0 = Date.parse('2024-07-01T08:00:00Z');
    const envs = buildScenario({
      startMs: t0, endMs: t0 + 120 * H, heartbeatMs: H, regions: ['eu'], components: { agent: '1.0' },
      rings: [{ name: 'canary', devices: 20 }, { name: 'early', devices: 30 }],
      deployments: [{ component: 'agent', version: '2.0', ring: 'canary', action: 'started', at: t0 + 30 * H }],
      // Every canary device takes it; so do 6 early devices, where no deployment started it.
      takes: [{ ring: 'canary', component: 'agent', version: '2.0', share: 1, at: t0 + 31 * H }, { ring: 'early', component: 'agent', version: '2.0', share: 0.2, at: t0 + 40 * H }],
    });
    const items: ReplayItem[] = envs.map((envelope, i) => ({ ok: true, line: i + 1, envelope, receivedMs: timestampMs(envelope.receivedAt) }));
    for (const replayThread of [false, true]) {
      const summary = await runBacktest({
        config, input: 'scenario', items: (async function* () { yield items; })(), reorderWindowMs: 120_000, reorderMaxEvents: 2_000_000,
        allDecisions: false, replayThread, write: async () => {}, onBadLine: (line, reason) => assert.fail(`line ${line}: ${reason}`),
      });
      const release = summary.releases.find((r) => r.release === 'agent@2.0');
      assert.deepEqual(release?.blastRadiusAtEnd, { devices: 26, reportedRelease: 26, inStartedRings: 20, rings: ['canary'] }, `replayThread ${replayThread}`);
    }
  });

  it('ends with the error when writing a record fails while the worker runs', async () => {
    let written = 0;
    await assert.rejects(replay(true, async () => {
      if (++written === 50) throw new Error('disk full');
    }), /disk full/);
  });

  it('runs the replay thread at a lower priority than the reading thread, on Linux', { skip: process.platform !== 'linux' && 'nice values are per thread on Linux only' }, async () => {
    const seen: { cpuSecs: number; nice: number }[] = [];
    for (const replayThreadNice of [undefined, 0]) {
      await runBacktest({
        config, input: EXAMPLE, reorderWindowMs: 120_000, reorderMaxEvents: 2_000_000, allDecisions: false, replayThread: true,
        ...(replayThreadNice === undefined ? {} : { replayThreadNice }), write: async () => {}, onBadLine: () => {}, onThread: (t) => seen.push(t),
      });
    }
    assert.equal(seen.length, 2);
    assert.equal(seen[0].nice, 10, 'the default lowers it');
    assert.equal(seen[1].nice, 0, '0 leaves it as the process is');
    assert.ok(seen.every((t) => t.cpuSecs > 0));
  });
});
