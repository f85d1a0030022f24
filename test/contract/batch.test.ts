// Record format v2: the batch codec round-trips keys, headers and the values' exact bytes, refuses damage
// without reading past the record, and v1 records read as one entry.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BATCH_HEADER, BatchFormatError, BatchReader, decodeBatch, encodeBatch, isBatch, type BatchEntry } from '../../common/contract/batch.ts';
import { recordEntries } from '../../common/contract/record-entries.ts';

const entryArb = fc.record({
  key: fc.string({ maxLength: 40 }),
  value: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  headers: fc.option(fc.dictionary(fc.string({ maxLength: 10 }).filter((k) => k !== '__proto__'), fc.string({ maxLength: 20 }), { maxKeys: 3 }), { nil: undefined }),
});

const norm = (e: BatchEntry) => ({ key: e.key, value: [...e.value], headers: e.headers && Object.keys(e.headers).length ? { ...e.headers } : undefined });

describe('batch records (format v2)', () => {
  it('round-trips every entry: key, headers, original bytes', () => {
    fc.assert(fc.property(fc.array(entryArb, { minLength: 1, maxLength: 40 }), (entries) => {
      const decoded = decodeBatch(encodeBatch(entries));
      assert.deepEqual(decoded.map(norm), entries.map(norm));
    }), { numRuns: 300 });
  });

  it('says a run of shared headers once', () => {
    const headers = { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` };
    const value = Buffer.from('{"x":1}');
    const shared = encodeBatch(Array.from({ length: 100 }, (_, i) => ({ key: `d${i}`, value, headers })));
    const none = encodeBatch(Array.from({ length: 100 }, (_, i) => ({ key: `d${i}`, value })));
    assert.ok(shared.length - none.length < 100, `${shared.length} vs ${none.length}`);
    assert.deepEqual(decodeBatch(shared)[99].headers, headers);
  });

  it('walks without materialising: offsets point at the values in place', () => {
    const entries = [{ key: 'a', value: Buffer.from('{"a":1}') }, { key: 'bb', value: Buffer.from('{"b":22}') }];
    const buf = encodeBatch(entries);
    const r = new BatchReader().reset(buf);
    const seen: string[] = [];
    while (r.next()) seen.push(`${r.index}:${r.key()}:${r.valueText()}`);
    assert.deepEqual(seen, ['0:a:{"a":1}', '1:bb:{"b":22}']);
    assert.equal(r.value().buffer, buf.buffer, 'a view, not a copy');
  });

  it('refuses a damaged batch (truncated, extended, wrong format, absurd count) without reading past it', () => {
    const buf = encodeBatch([{ key: 'a', value: Buffer.from('{"a":1}') }, { key: 'b', value: Buffer.from('{"b":2}') }]);
    const bad = [buf.subarray(0, buf.length - 1), Buffer.concat([buf, Buffer.from('x')]), Buffer.from([2, ...buf.subarray(1)]),
      Buffer.from([1, 0xff, 0xff, 0xff, 0x7f]), Buffer.alloc(0)];
    for (const b of bad) assert.throws(() => new BatchReader().reset(b), BatchFormatError);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        const r = new BatchReader().reset(Buffer.from(bytes));
        while (r.next()) assert.ok(r.valueEnd <= bytes.length && r.keyEnd <= bytes.length);
      } catch (err) {
        assert.ok(err instanceof BatchFormatError);
      }
    }), { numRuns: 2000 });
  });

  it('reads a v1 record (no batch header) as one entry, a v2 record as its events', () => {
    const v1 = { key: 'k', value: Buffer.from('{"v":1}'), headers: { traceparent: 't' } };
    assert.equal(isBatch(v1.headers), false);
    assert.deepEqual(recordEntries(v1), [v1]);
    const v2 = { key: 'a', value: encodeBatch([{ key: 'a', value: Buffer.from('1') }, { key: 'b', value: Buffer.from('2') }]), headers: { [BATCH_HEADER]: '1' } };
    assert.deepEqual(recordEntries(v2).map((e) => e.key), ['a', 'b']);
  });
});
