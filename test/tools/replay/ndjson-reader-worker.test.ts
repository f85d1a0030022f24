// A file read and inflated on a worker thread gives the replay the same items, in the same order, as the
// in-thread reader: bad lines by number and reason, oversize lines, values that a reader re-encoding the
// parsed lines could change (-0, a lone surrogate, "__proto__" keys), and a truncated gzip reported after
// every line before the damage.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MAX_LINE_BYTES, readNdjsonFileBatches, type ReplayItem } from '../../../tools/replay/ndjson-reader.ts';
import { ShapeMemo, type Shape } from '../../../common/contract/heartbeat-shape.ts';

const dir = mkdtempSync(join(tmpdir(), 'ndjson-worker-'));
const envelope = (i: number) => JSON.stringify({
  v: 1, kind: 'heartbeat', receivedAt: new Date(Date.UTC(2024, 6, 19, 4) + i * 1000).toISOString(), collectorId: 'c1',
  event: { eventId: `e${i}`, deviceId: `d${i % 50}`, sentAt: '2024-07-19T04:00:00Z', ring: 'canary', bootId: 'b1', uptimeSec: 60, components: { agent: '1' } },
});

async function read(path: string, inThread: boolean, shapes?: ShapeMemo<Shape>): Promise<ReplayItem[]> {
  const items: ReplayItem[] = [];
  for await (const batch of readNdjsonFileBatches(path, { inThread, shapes })) items.push(...batch);
  return items;
}

/** Both readers on one file: the worker's items must equal the in-thread reader's, envelope text included. */
async function both(name: string, bytes: Buffer): Promise<ReplayItem[]> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const inWorker = await read(path, false);
  const inThread = await read(path, true);
  assert.deepEqual(inWorker, inThread);
  const text = (items: ReplayItem[]) => items.map((i) => (i.ok ? `${i.line} ${i.receivedMs} ${JSON.stringify(i.envelope)}` : `${i.line} ${i.reason}`));
  assert.deepEqual(text(inWorker), text(inThread));
  return inWorker;
}

const at = '2024-07-19T04:00:00.000Z';
const heartbeat = (id: string, event: Record<string, unknown> = {}) => JSON.stringify({
  v: 1, kind: 'heartbeat', receivedAt: at, collectorId: 'c1',
  event: { eventId: id, deviceId: 'd1', sentAt: at, ring: 'canary', bootId: 'b1', uptimeSec: 60, components: { agent: '1' }, ...event },
});
const crash = (id: string, signature: string) => JSON.stringify({
  v: 1, kind: 'crash', receivedAt: at, eventAt: at, collectorId: 'c1',
  event: { eventId: id, deviceId: 'd2', occurredAt: at, ring: 'canary', bootId: 'b2', components: { agent: '1' }, kind: 'application', signature },
});
const deployment = (id: string) => JSON.stringify({
  v: 1, kind: 'deployment', receivedAt: at, collectorId: 'release-tool',
  event: { eventId: id, component: 'agent', version: '2', ring: 'canary', action: 'started', at },
});

/** Lines of every kind the reader meets, with what each must give (true: replayed; a string: the reason starts so). */
function mixedLines(tag: string, longLine: boolean): [string, true | string | null][] {
  return [
    [heartbeat(`${tag}1`, { labels: { site: 'Zürich ✓ 東京 🚀' } }), true],
    ['', null],
    [crash(`${tag}2`, 'APPCRASH naïve.exe — 0xC0000005'), true],
    ['   \t ', null],
    [`${deployment(`${tag}3`)}\r`, true], // CRLF line end
    ['{"v":1,"kind":"heartbeat"', '/: not JSON: '],
    [heartbeat(`${tag}4`).replace('"heartbeat"', '"reboot"'), '/kind: must be one of heartbeat, crash, deployment'],
    ...(longLine ? [['x'.repeat(MAX_LINE_BYTES + 10), `line longer than ${MAX_LINE_BYTES} bytes`] as [string, string]] : []),
    [heartbeat(`${tag}5`).replace('"event":{', '"event":{"__proto__":{"x":"1"},'), '/event'],
    [heartbeat(`${tag}6`).replace('"v":1,', '"__proto__":{"polluted":"yes"},"v":1,'), '/'],
    [heartbeat(`${tag}7`, { labels: { __proto__x: 'a' } }).replace('__proto__x', '__proto__'), '/event/labels'],
    [heartbeat(`${tag}8`, { labels: { toString: 't', valueOf: 'v', hasOwnProperty: 'h' } }), true],
    [heartbeat(`${tag}16`, { labels: { constructor: 'c' } }), '/event/labels/constructor: forbidden key'],
    [crash(`${tag}9`, 'lone \ud800 surrogate').replace('\\\\ud800', '\\ud800'), true],
    [heartbeat(`${tag}10`).replace('"uptimeSec":60', '"uptimeSec":-0'), true],
    [heartbeat(`${tag}11`).replace('"uptimeSec":60', '"uptimeSec":1e400'), '/event/uptimeSec'],
    [heartbeat(`${tag}12`).replace('"uptimeSec":60', '"uptimeSec":1.5'), '/event/uptimeSec'],
    [heartbeat(`${tag}13`, { labels: { b: '1', 2: 'x', 1: 'y' } }), true],
    ['42', '/'],
    ['"a string"', '/'],
    ['[1,2,-0]', '/'],
    ['null', '/'],
    [`  ${heartbeat(`${tag}14`)}  `, true],
    [heartbeat(`${tag}15`).replace('"agent":"1"', '"agent":"1","deep":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":[-0]}}}}}}}}'), '/event/components'],
    // A valid heartbeat, then the same shape with a forbidden key, an unknown key, a bad boot id: refused.
    [heartbeat(`${tag}17`), true],
    [heartbeat(`${tag}18`).replace('"event":{', '"event":{"__proto__":{"x":"1"},'), '/event'],
    [heartbeat(`${tag}19`).replace('"uptimeSec":60', '"uptimeSec":60,"extra":"x"'), '/event'],
    [heartbeat(`${tag}20`).replace('"bootId":"b1"', '"bootId":"b 1"'), '/event/bootId'],
    [heartbeat(`${tag}21`), true],
  ];
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

  it('gives the in-thread items for a file of every kind of line: kinds, blank and CRLF lines, bad JSON, invalid envelopes, oversize lines, "__proto__" and "constructor" keys, -0, a lone surrogate, non-ASCII text', async () => {
    const first = mixedLines('a', true);
    const last = mixedLines('b', false);
    // Many valid lines between the two blocks: the second block lands in later records and messages.
    const middle = Array.from({ length: 12_000 }, (_, i) => envelope(i));
    const lines = [...first.map(([l]) => l), ...middle, ...last.map(([l]) => l)];
    const text = lines.join('\n'); // no newline after the last line
    for (const [name, bytes] of [['mixed.ndjson', Buffer.from(text)], ['mixed.ndjson.gz', gzipSync(text)]] as const) {
      const items = await both(name, bytes);
      const expected = [...first.map(([, e]) => e), ...middle.map(() => true as const), ...last.map(([, e]) => e)];
      const byLine = new Map(items.map((i) => [i.line, i]));
      assert.equal(items.length, expected.filter((e) => e !== null).length);
      expected.forEach((e, n) => {
        const item = byLine.get(n + 1);
        if (e === null) return assert.equal(item, undefined, `line ${n + 1} is blank`);
        assert.ok(item, `line ${n + 1}`);
        if (e === true) assert.ok(item.ok, `line ${n + 1}: ${JSON.stringify(item)}`);
        else assert.ok(!item.ok && item.reason.startsWith(e), `line ${n + 1}: ${JSON.stringify(item)}`);
      });
      // What JSON.parse gave, kept exactly.
      const event = (id: string) => items.find((i) => i.ok && i.envelope.event.eventId === id) as Extract<ReplayItem, { ok: true }>;
      assert.ok(Object.is((event('a10').envelope.event as { uptimeSec: number }).uptimeSec, -0));
      assert.equal((event('b9').envelope.event as { signature: string }).signature, 'lone \ud800 surrogate');
      assert.deepEqual(Object.keys((event('a8').envelope.event as { labels: object }).labels), ['toString', 'valueOf', 'hasOwnProperty']);
      assert.deepEqual(Object.keys((event('a13').envelope.event as { labels: object }).labels), ['1', '2', 'b']);
      assert.equal(({} as { polluted?: string }).polluted, undefined);
      // Validated by the devices' remembered shapes (as for a replay thread): the same items, each valid
      // heartbeat with its shape; the broken heartbeats of a remembered device still refused, for the same reasons.
      const shapes = new ShapeMemo<Shape>(1_000, { make: (id, env) => ({ id, env }) });
      const byShape = await read(join(dir, name), false, shapes);
      assert.deepEqual(byShape.map((i) => (i.ok ? { ...i, shape: undefined } : i)), items.map((i) => (i.ok ? { ...i, shape: undefined } : i)));
      assert.ok(byShape.every((i) => !i.ok || i.envelope.kind !== 'heartbeat' || i.shape?.env.event.deviceId === i.envelope.event.deviceId));
      assert.ok(byShape.filter((i) => i.ok && i.shape && i.shape.env !== i.envelope).length > 10_000, 'most heartbeats matched a remembered shape');
    }
  });

  it('reports a truncated gzip file of mixed lines after every line before the damage', async () => {
    const lines = [...mixedLines('a', false), ...Array.from({ length: 20_000 }, (_, i) => [envelope(i), true] as const), ...mixedLines('b', false)].map(([l]) => l);
    const gz = gzipSync(lines.join('\n'));
    const items = await both('mixed-cut.ndjson.gz', gz.subarray(0, Math.floor(gz.length * 0.6)));
    const lastItem = items[items.length - 1];
    assert.ok(!lastItem.ok && /^truncated gzip stream/.test(lastItem.reason), JSON.stringify(lastItem));
    assert.ok(items.length > 10_000);
  });

  it('reports a file that cannot be read', async () => {
    const items = await read(join(dir, 'missing.ndjson.gz'), false);
    assert.equal(items.length, 1);
    assert.ok(!items[0].ok && /^unreadable input: ENOENT/.test(items[0].reason), JSON.stringify(items[0]));
    assert.deepEqual(items, await read(join(dir, 'missing.ndjson.gz'), true));
  });
});
