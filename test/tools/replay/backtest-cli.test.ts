// `ringwatch backtest` as a user runs it, on the shipped example: bad lines and a truncated gzip are
// reported precisely (file, line, reason), skipped and counted, and everything else is still replayed.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../support/cli.ts';

const here = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const EXAMPLE = here('deploy/examples/backtest/crowdstrike-300.ndjson.gz');
const CONFIG = here('deploy/examples/backtest/crowdstrike.yaml');
const dir = mkdtempSync(join(tmpdir(), 'backtest-cli-'));

type Rec = Record<string, unknown> & { type: string };

async function backtest(input: string) {
  const r = await runCli(['backtest', '-c', CONFIG, '-i', input]);
  const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Rec);
  const summary = records.at(-1) as Rec & { eventsReplayed: number; badLines: number; inputErrors: number; linesRead: number; halts: number };
  assert.equal(summary.type, 'summary', 'the last line is the summary');
  return { ...r, records: records.slice(0, -1), summary };
}

const lines = gunzipSync(readFileSync(EXAMPLE)).toString('utf8').trimEnd().split('\n');
let clean: Awaited<ReturnType<typeof backtest>>;

describe('ringwatch backtest on bad input', () => {
  before(async () => {
    clean = await backtest(EXAMPLE);
    assert.equal(clean.code, 0, clean.stderr);
    assert.equal(clean.summary.eventsReplayed, lines.length);
    assert.ok(clean.records.some((r) => r.type === 'halt'), 'the example halts the bad release');
  });

  it('says when and where the shipped example\'s bad release first failed, and how many devices it reached by the halt', () => {
    const s = clean.summary as unknown as { releases: { release: string; firstFail: { ring: string; at: string }; pages: number; halts: { ring: string; reason: string }[]; blastRadiusAtHalt: { devices: number; rings: string[]; at: string }; blastRadiusAtEnd: { devices: number } }[] };
    const [r] = s.releases;
    assert.equal(r.release, 'channel-291@2024-07-19.0409');
    assert.equal(r.firstFail.ring, 'canary');
    assert.deepEqual(r.halts[0], { ...r.halts[0], ring: 'canary', reason: 'catastrophe' });
    assert.equal(r.pages, 1, 'one incident for the release, spread over rings');
    // The canary ring's 9 devices, against every device the unstopped recording went on to reach.
    assert.deepEqual(r.blastRadiusAtHalt.rings, ['canary']);
    assert.equal(r.blastRadiusAtHalt.devices, 9);
    assert.ok(r.blastRadiusAtEnd.devices > 250);
    const verdicts = clean.records.filter((x) => x.type === 'verdict' && x.ring === 'canary').map((x) => x.verdict);
    // Never a pass for the bad release: inconclusive (nobody exposed long enough yet) until it fails.
    assert.deepEqual(verdicts.slice(0, 2), ['inconclusive', 'fail'], 'verdict changes, not every repeated verdict');
    assert.ok(!verdicts.includes('pass'), 'the bad release is never passed');
    const times = clean.records.map((x) => Date.parse(x.at as string));
    assert.ok(times.every((t, i) => i === 0 || times[i - 1] <= t), 'records in virtual-time order');
  });

  it('reports a malformed line and a line of an unknown kind with their numbers, skips them, and replays the rest', async () => {
    const unknownKind = lines[10].replace('"kind":"heartbeat"', '"kind":"reboot"');
    assert.notEqual(unknownKind, lines[10]);
    const withBad = [...lines.slice(0, 3), '{"v":1,"kind":"heartbeat","receivedAt":', ...lines.slice(3, 7), unknownKind, ...lines.slice(7)];
    const file = join(dir, 'bad-lines.ndjson');
    writeFileSync(file, `${withBad.join('\n')}\n`);
    const r = await backtest(file);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`${file}:4: skipped: /: not JSON: `));
    assert.match(r.stderr, new RegExp(`${file}:9: skipped: /kind: must be one of heartbeat, crash, deployment\\n`));
    assert.equal(r.summary.badLines, 2);
    assert.doesNotMatch(r.stderr, /\r/, 'no progress line when stderr is not a terminal');
    assert.equal(r.summary.linesRead, lines.length + 2);
    assert.equal(r.summary.eventsReplayed, lines.length);
    assert.deepEqual(r.records, clean.records, 'every decision record is the same as without the bad lines');
  });

  it('reports a truncated gzip file, exits 65, and replays everything before the damage', async () => {
    const gz = readFileSync(EXAMPLE);
    const file = join(dir, 'truncated.ndjson.gz');
    writeFileSync(file, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const r = await backtest(file);
    assert.equal(r.code, 65, r.stderr);
    const m = new RegExp(`${file}:(\\d+): skipped: truncated gzip stream: the file ends inside compressed data; (\\d+) lines before it were read`).exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.equal(Number(m[1]), Number(m[2]) + 1);
    assert.equal(r.summary.inputErrors, 1);
    assert.equal(r.summary.badLines, 0);
    assert.ok(r.summary.eventsReplayed > lines.length / 3, `${r.summary.eventsReplayed} events replayed`);
    assert.ok(r.summary.eventsReplayed >= Number(m[2]) - 1, 'at most a torn last line is lost');
    // What came before the damage decides as it did in the whole file: the canary halt is in it.
    const halt = (recs: Rec[]) => recs.find((x) => x.type === 'halt');
    assert.deepEqual(halt(r.records), halt(clean.records));
  });

  it('refuses to start without --input, with a usage error', async () => {
    const r = await runCli(['backtest', '-c', CONFIG]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--input is required/);
  });
});
