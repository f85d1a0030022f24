// `ringwatch simulate --scenario F --output F.ndjson.gz` writes a realistic history (a day of the
// realistic-features fleet, shrunk), and `ringwatch backtest` reads it back whole, with its releases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../support/cli.ts';

test('a realistic scenario written by simulate --output is read by backtest', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'realistic-')), 'day.ndjson.gz');
  const sim = await runCli(['simulate', '--scenario', 'deploy/scenarios/realistic-features.yaml', '--devices', '200', '--duration', '1d', '--output', file, '--json']);
  assert.equal(sim.code, 0, sim.stderr);
  const summary = JSON.parse(sim.stdout) as { events: Record<string, number>; model: { officeOff: number } };
  assert.ok(summary.model.officeOff > 100, 'workstations went home');
  const lines = gunzipSync(readFileSync(file)).toString('utf8').trimEnd().split('\n');
  assert.equal(lines.length, summary.events.heartbeat + summary.events.crash + summary.events.deployment);
  const bt = await runCli(['backtest', '-c', 'deploy/examples/backtest/realistic.yaml', '-i', file], {}, 120_000);
  assert.equal(bt.code, 0, bt.stderr);
  const last = JSON.parse(bt.stdout.trim().split('\n').at(-1) as string) as { type: string; eventsReplayed: number; releases: { release: string }[] };
  assert.equal(last.type, 'summary');
  assert.equal(last.eventsReplayed, lines.length);
  assert.ok(last.releases.some((r) => r.release.startsWith('channel-291')), JSON.stringify(last.releases.map((r) => r.release)));
});
