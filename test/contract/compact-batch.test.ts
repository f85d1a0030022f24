// Record format v3 (compact batch records): any JSON document round-trips to the text JSON.stringify gives,
// keys and headers are kept, identical maps decode to one shared object, damage is refused as a
// BatchFormatError without reading past the record, and the decoded-envelope check gives the verdict of
// the ordinary one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BATCH_HEADER, BatchFormatError } from '../../common/contract/batch.ts';
import { CompactBatchReader, decodeCompactBatch, encodeCompactBatch, type CompactEntry } from '../../common/contract/compact-batch.ts';
import { checkDecodedEnvelope, validateEnvelope, type AnyEnvelope } from '../../common/contract/envelope.ts';
import { recordEntries } from '../../common/contract/record-entries.ts';

const docArb = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const entryArb = fc.record({
  key: fc.string({ maxLength: 40 }),
  doc: fc.oneof(docArb, fc.dictionary(fc.string({ maxLength: 8 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 4 }))),
  headers: fc.option(fc.dictionary(fc.string({ maxLength: 10 }).filter((k) => k !== '__proto__'), fc.string({ maxLength: 20 }), { maxKeys: 3 }), { nil: undefined }),
});

const heartbeat = (i: number, components: Record<string, string>): AnyEnvelope => ({
  v: 1, kind: 'heartbeat', receivedAt: '2026-01-05T12:00:00.000Z', eventAt: '2026-01-05T12:00:00.000Z', collectorId: 'c1',
  event: { eventId: `e${i}`, deviceId: `d${i}`, sentAt: '2026-01-05T12:00:00.000Z', ring: 'canary', bootId: `b${i}`, uptimeSec: 100 + i, components, region: 'us' },
});

describe('compact batch records (format v3)', () => {
  it('round-trips every entry: key, headers, and the JSON text of its document', () => {
    fc.assert(fc.property(fc.array(entryArb, { minLength: 1, maxLength: 30 }), (entries: CompactEntry[]) => {
      const decoded = decodeCompactBatch(encodeCompactBatch(entries));
      assert.equal(decoded.length, entries.length);
      entries.forEach((e, i) => {
        assert.equal(decoded[i].key, e.key);
        assert.equal(decoded[i].value.toString('utf8'), JSON.stringify(e.doc));
        assert.deepEqual(decoded[i].headers ?? {}, { ...e.headers });
      });
    }), { numRuns: 300 });
  });

  it('round-trips the shapes the writer takes shortcuts for: many fields, inline strings of any length and script, undefined', () => {
    const text = (n: number, unit: string) => Array.from({ length: n }, (_, i) => (i === n - 1 ? unit : 'a')).join('');
    const docs: unknown[] = [];
    for (const fields of [15, 16, 17, 300]) docs.push(Object.fromEntries(Array.from({ length: fields }, (_, i) => [`f${i}`, i % 2 ? i : `v${i}`])));
    for (const n of [1, 15, 16, 17, 127, 128, 129, 400]) {
      for (const unit of ['z', 'é', '\u20ac', '\ud83d\ude00', '\u0000']) {
        docs.push({ eventId: text(n, unit), deviceId: text(n, unit), ring: text(n, unit), nested: { bootId: text(n, unit), n } });
      }
    }
    docs.push({ eventId: 'e1', gone: undefined, event: { deviceId: undefined, at: '2026-01-05T12:00:00.000Z' } });
    const entries = docs.map((doc, i) => ({ key: `k${i}`, doc }));
    const decoded = decodeCompactBatch(encodeCompactBatch(entries));
    entries.forEach((e, i) => assert.equal(decoded[i].value.toString('utf8'), JSON.stringify(e.doc)));
  });

  it('writes only own keys, as JSON.stringify does, even when Object.prototype has an enumerable one', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = 'yes';
    try {
      const entries = [{ key: 'k', doc: { v: 1, event: { eventId: 'e1', components: { agent: '7.11' } } } }];
      const decoded = decodeCompactBatch(encodeCompactBatch(entries));
      assert.equal(decoded[0].value.toString('utf8'), JSON.stringify(entries[0].doc));
      assert.doesNotMatch(decoded[0].value.toString('utf8'), /polluted/);
    } finally {
      delete proto.polluted;
    }
  });

  it('stores a repeated map once and decodes it to one shared, frozen object', () => {
    const components = { agent: '7.11', 'channel-291': '2024-07-19.0409', os: '10.0.19045' };
    const entries = Array.from({ length: 200 }, (_, i) => ({ key: `d${i}`, doc: heartbeat(i, { ...components }) }));
    const buf = encodeCompactBatch(entries);
    const json = entries.reduce((n, e) => n + JSON.stringify(e.doc).length, 0);
    assert.ok(buf.length < json / 3, `${buf.length} bytes for ${json} bytes of JSON`);
    const r = new CompactBatchReader().reset(buf);
    const maps = new Set<unknown>();
    while (r.next()) maps.add((r.doc as { event: { components: unknown } }).event.components);
    assert.equal(maps.size, 1);
    const [shared] = maps;
    assert.ok(Object.isFrozen(shared));
    assert.deepEqual(shared, components);
  });

  it('refuses damage (truncated, extended, wrong format, absurd counts, random bytes) as a BatchFormatError', () => {
    const buf = encodeCompactBatch([{ key: 'a', doc: heartbeat(1, { agent: '1' }) }, { key: 'b', doc: [1, -2.5, null, true] }]);
    const bad = [buf.subarray(0, buf.length - 1), Buffer.concat([buf, Buffer.from([0])]), Buffer.from([1, ...buf.subarray(1)]),
      Buffer.from([2, 0xff, 0xff, 0xff, 0x7f]), Buffer.alloc(0)];
    for (const b of bad) assert.throws(() => new CompactBatchReader().reset(b), BatchFormatError);
    for (let cut = 1; cut < buf.length; cut++) assert.throws(() => new CompactBatchReader().reset(buf.subarray(0, cut)), BatchFormatError);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(buf.length - 1), fc.integer({ min: 0, max: 255 }), (bytes, at, byte) => {
      for (const candidate of [Buffer.from([2, ...bytes]), Buffer.from(buf.map((b, i) => (i === at ? byte : b)))]) {
        try {
          new CompactBatchReader().reset(candidate);
        } catch (err) {
          assert.ok(err instanceof BatchFormatError, String(err));
        }
      }
    }), { numRuns: 2000 });
  });

  it('a "__proto__" key decodes as an own key (as JSON.parse makes it), which validation refuses', () => {
    const doc = JSON.parse('{"v":1,"kind":"heartbeat","__proto__":{"x":"1"}}') as unknown;
    const r = new CompactBatchReader().reset(encodeCompactBatch([{ key: 'k', doc }]));
    r.next();
    assert.equal(Object.getPrototypeOf(r.doc), Object.prototype);
    assert.ok(Object.hasOwn(r.doc as object, '__proto__'));
    assert.ok(Array.isArray(checkDecodedEnvelope(r.doc)));
  });

  it('checks a decoded envelope as validateEnvelope does, a shared map once', () => {
    const good = heartbeat(1, { agent: '1.0' });
    const variants: unknown[] = [
      good,
      { ...good, event: { ...good.event, components: { 'Bad Key!': '1' } } },
      { ...good, event: { ...good.event, components: { agent: '' } } },
      { ...good, event: { ...good.event, applying: { agent: '2.0' }, labels: { site: 'x' } } },
      { ...good, event: { ...good.event, applying: { agent: 5 } } },
      { ...good, event: { ...good.event, uptimeSec: -1 } },
      { ...good, collectorId: 'no spaces allowed' },
      { ...good, extra: 1 },
    ];
    const r = new CompactBatchReader().reset(encodeCompactBatch([...variants, ...variants].map((doc) => ({ key: 'k', doc }))));
    while (r.next()) {
      const fast = checkDecodedEnvelope(r.doc);
      const ref = validateEnvelope(JSON.parse(JSON.stringify(r.doc)));
      assert.equal(!Array.isArray(fast), ref.ok, JSON.stringify(r.doc));
      if (!ref.ok) assert.deepEqual(fast, ref.errors);
    }
  });

  it('recordEntries reads a v3 record as its events and refuses an unknown batch format', () => {
    const value = encodeCompactBatch([{ key: 'a', doc: { n: 1 } }, { key: 'b', doc: { n: 2 }, headers: { traceparent: 't' } }]);
    const entries = recordEntries({ key: 'a', value, headers: { [BATCH_HEADER]: '2' } });
    assert.deepEqual(entries.map((e) => [e.key, e.value.toString(), e.headers]), [['a', '{"n":1}', undefined], ['b', '{"n":2}', { traceparent: 't' }]]);
    assert.throws(() => recordEntries({ key: 'a', value, headers: { [BATCH_HEADER]: '9' } }), BatchFormatError);
  });
});
