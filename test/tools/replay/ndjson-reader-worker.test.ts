// A file read and inflated on a worker thread gives the replay the same items, in the same order, as the
// in-thread reader: bad lines by number and reason, oversize lines, and a truncated gzip reported after
// every line before the damage.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MAX_LINE_BYTES, readNdjsonFileBatches, type ReplayItem } from '../../../tools/replay/ndjson-reader.ts';

const dir = mkdtempSync(join(tmpdir(), 'ndjson-worker-'));
const envelope = (i: number) => JSON.stringify({
  v: 1, kind: 'heartbeat', receivedAt: new Date(Date.UTC(2024, 6, 19, 4) + i * 1000).toISOString(), collectorId: 'c1',
  event: { eventId: `e${i}`, deviceId: `d${i % 50}`, sentAt: '2024-07-19T04:00:00Z', ring: 'canary', bootId: 'b1', uptimeSec: 60, components: { agent: '1' } },
});

async function read(path: string, inThread: boolean): Promise<ReplayItem[]> {
  const items: ReplayItem[] = [];
  for await (const batch of readNdjsonFileBatches(path, { inThread })) items.push(...batch);
  return items;
}

/** Both readers on one file: the worker's items must equal the in-thread reader's. */
async function both(name: string, bytes: Buffer): Promise<ReplayItem[]> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const inWorker = await read(path, false);
  assert.deepEqual(inWorker, await read(path, true));
  return inWorker;
}

describe('NDJSON replay reader on an inflate worker', () => {
  it('delivers every line in file order across many batches, plain and gzip', async () => {
    // About 5 MB inflated: several batches of chunks, so order across messages is exercised.
    const text = `${Array.from({ length: 20_000 }, (_, i) => envelope(i)).join('\n')}\n`;
    for (const [name, bytes] of [['many.ndjson', Buffer.from(text)], ['many.ndjson.gz', gzipSync(text)]] as const) {
      const items = await both(name, bytes);
      assert.equal(items.length, 20_000);
      assert.ok(items.every((it, i) => it.ok && it.line === i + 1 && it.envelope.event.eventId === `e${i}`));
    }
  });

  it('reports bad and oversize lines by number and goes on', async () => {
    const lines = [envelope(1), '{"v":1,"kind":"heartbeat"', 'x'.repeat(MAX_LINE_BYTES + 10), envelope(2), envelope(3).replace('"heartbeat"', '"reboot"')];
    const items = await both('bad.ndjson.gz', gzipSync(lines.join('\n')));
    assert.deepEqual(items.map((i) => [i.line, i.ok]), [[1, true], [2, false], [3, false], [4, true], [5, false]]);
    assert.ok(!items[1].ok && items[1].reason.startsWith('/: not JSON'), JSON.stringify(items[1]));
    assert.ok(!items[2].ok && items[2].reason === `line longer than ${MAX_LINE_BYTES} bytes`);
    assert.ok(!items[4].ok && items[4].reason === '/kind: must be one of heartbeat, crash, deployment');
  });

  it('reports a truncated gzip file after every line before the damage', async () => {
    const text = `${Array.from({ length: 20_000 }, (_, i) => envelope(i)).join('\n')}\n`;
    const gz = gzipSync(text);
    const items = await both('cut.ndjson.gz', gz.subarray(0, Math.floor(gz.length * 0.7)));
    const last = items[items.length - 1];
    assert.ok(!last.ok && /^truncated gzip stream/.test(last.reason), JSON.stringify(last));
    const good = items.slice(0, -1);
    assert.ok(good.length > 10_000 && good.every((it, i) => it.ok && it.line === i + 1), 'lines before the damage, in order');
    assert.equal(last.line, good.length + 1);
  });

  it('reports a file that cannot be read', async () => {
    const items = await read(join(dir, 'missing.ndjson.gz'), false);
    assert.equal(items.length, 1);
    assert.ok(!items[0].ok && /^unreadable input: ENOENT/.test(items[0].reason), JSON.stringify(items[0]));
    assert.deepEqual(items, await read(join(dir, 'missing.ndjson.gz'), true));
  });
});
