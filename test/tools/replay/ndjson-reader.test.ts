// Recorded telemetry files: bad lines are reported precisely and skipped; a truncated gzip keeps what came before.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { readNdjson, type ReplayItem } from '../../../tools/replay/ndjson-reader.ts';

const envelope = (i: number) => JSON.stringify({
  v: 1, kind: 'heartbeat', receivedAt: `2024-07-19T04:0${i}:00Z`, collectorId: 'c1',
  event: { eventId: `e${i}`, deviceId: 'd1', sentAt: `2024-07-19T04:0${i}:00Z`, ring: 'canary', bootId: 'b1', uptimeSec: 60, components: { agent: '1' } },
});

async function collect(bytes: Buffer, chunkSize = 7): Promise<ReplayItem[]> {
  const chunks = Array.from({ length: Math.ceil(bytes.length / chunkSize) }, (_, i) => bytes.subarray(i * chunkSize, (i + 1) * chunkSize));
  const items: ReplayItem[] = [];
  for await (const item of readNdjson(Readable.from(chunks))) items.push(item);
  return items;
}

describe('NDJSON replay reader', () => {
  it('reads envelopes split across chunks, plain and gzip', async () => {
    const text = `${[1, 2, 3].map(envelope).join('\n')}\n`;
    for (const bytes of [Buffer.from(text), gzipSync(text)]) {
      const items = await collect(bytes);
      assert.deepEqual(items.map((i) => i.ok && i.envelope.event.eventId), ['e1', 'e2', 'e3']);
    }
  });

  it('reports a malformed line and a line of an unknown kind by number, and goes on', async () => {
    const lines = [envelope(1), '{"v":1,"kind":"heartbeat"', envelope(2).replace('"heartbeat"', '"reboot"'), envelope(3)];
    const items = await collect(Buffer.from(lines.join('\n')));
    assert.deepEqual(items.map((i) => i.line), [1, 2, 3, 4]);
    assert.ok(items[0].ok && items[3].ok);
    assert.ok(!items[1].ok && items[1].reason.startsWith('/: not JSON'), JSON.stringify(items[1]));
    assert.ok(!items[2].ok && items[2].reason === '/kind: must be one of heartbeat, crash, deployment', JSON.stringify(items[2]));
  });

  it('reports a truncated gzip file and still delivers what came before the damage', async () => {
    const text = `${Array.from({ length: 9 }, (_, i) => envelope(i)).join('\n')}\n`.repeat(50);
    const gz = gzipSync(text);
    const items = await collect(gz.subarray(0, Math.floor(gz.length * 0.8)), 64);
    const last = items[items.length - 1];
    assert.ok(!last.ok && /^truncated gzip stream/.test(last.reason), JSON.stringify(last));
    assert.ok(items.filter((i) => i.ok).length > 100, 'lines before the damage are replayed');
  });
});
