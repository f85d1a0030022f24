// Every topic ringwatch writes has its codec in common/contract: what a writer encodes its readers decode
// unchanged, and a record that does not follow the contract is refused with where and why (and, in the
// running pipeline, kept in the dead-letter topic).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCells, encodeCells, type CellsRecord } from '../../common/contract/cells.ts';
import type { PartialWindow } from '../../processors/core/partial.ts';
import { decodeDecision, encodeDecision, type Decision } from '../../common/contract/decision.ts';
import { decodeSignal, encodeSignal, SIGNAL_ID_HEADER, type HaltSignal } from '../../common/contract/signals.ts';
import { decodeTick, encodeTick, isTick, TICK_HEADER } from '../../common/contract/ticks.ts';
import { decodeState, encodeState, STATE_KEYS } from '../../common/contract/alerter-state.ts';
import { storeKey } from '../../alerting/core/alerter-core.ts';
import { TRIGGERED_KEY_PREFIX } from '../../alerting/shell/triggered-keys.ts';
import { DLQ_HEADERS } from '../../common/contract/dead-letter.ts';
import { runRoles } from '../../app/run-roles.ts';
import { processorFactory } from '../../processors/role.ts';
import { silentLogger } from '../../common/telemetry/logger.ts';
import { createRegistry } from '../../common/telemetry/metrics.ts';
import { sleep } from '../../common/runtime/retry.ts';
import { testConfig } from '../processors/support/settings.ts';

const counts = { expected: 10, reported: 9, silent: 1, newSilent: 1, bootLoops: 0, newBootLoops: 0, crashed: 0, newCrashed: 0, crashReports: 0, onset: { '12': 1 } };
const partial: CellsRecord = {
  v: 1, source: 'heartbeats/0', window: 13, windowMs: 60_000, closedAt: 13 * 60_000 + 5,
  cells: [{ ...counts, ring: 'canary', component: 'agent', version: '7.13.0' }, { ...counts, ring: 'canary', component: 'agent', version: '7.13.0', applying: true }],
  rings: [{ ...counts, ring: 'canary' }],
  scopes: [{ kind: 'region', name: 'eu', ring: 'canary', expected: 10, silent: 1, fresh: 1, records: 9, delayed: 0 }],
  strata: [{ ring: 'canary', stratum: 'region=eu', heard: { '12': 9 }, onset: { '12': 1 }, spell: { '3': 9 }, quiet: 0, newSilent: 1, bootLoops: 0, newBootLoops: 0, crashed: 0, newCrashed: 0, crashReports: 0 }],
  late: 0, backfill: 0,
};

const decision: Decision = {
  v: 1, id: 'release_verdict|agent@7.13.0|canary|silent|catastrophe|2026-01-05T12:00:00.000Z', kind: 'release_verdict',
  layer: 'catastrophe', verdict: 'fail', severity: 'critical', release: { component: 'agent', version: '7.13.0' }, ring: 'canary',
  signal: 'silent', windowStart: '2026-01-05T12:00:00.000Z', windowEnd: '2026-01-05T12:01:00.000Z', decidedAt: '2026-01-05T12:01:02.000Z',
  summary: 'silent 5/5 vs 0/20', evidence: { updated: { exposed: 5, affected: 5 } },
};

const signal: HaltSignal = {
  id: 'halt|agent@7.13.0|canary|1', type: 'halt', release: { component: 'agent', version: '7.13.0' }, ring: 'canary',
  reason: 'catastrophe', rollbackRecommended: true, incidentId: 'catastrophe|agent@7.13.0', decisionId: decision.id,
  summary: decision.summary, evidence: decision.evidence, at: '2026-01-05T12:01:03.000Z',
};

// The processors' in-memory partial and the contract's record are the same type, field for field (an
// optional field added on one side only fails to compile here, instead of dead-lettering every record).
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const sameShape: Same<CellsRecord, PartialWindow> = true;

const errorsOf = (v: { ok: boolean; errors?: { path: string; reason: string }[] }) => (v.ok ? [] : v.errors ?? []);

describe('topic contracts', () => {
  it('cells: the contract and the processors agree on the shape', () => assert.equal(sameShape, true));

  it('cells: a partial round-trips; a wrong version, a negative count or an unknown field is refused with its path', () => {
    assert.deepEqual(decodeCells(encodeCells(partial)), { ok: true, value: partial });
    assert.equal(errorsOf(decodeCells(Buffer.from(JSON.stringify({ ...partial, v: 2 }))))[0]?.path, '/v');
    const negative = { ...partial, rings: [{ ...partial.rings[0], silent: -1 }] };
    assert.equal(errorsOf(decodeCells(Buffer.from(JSON.stringify(negative))))[0]?.path, '/rings/0/silent');
    const extra = { ...partial, cells: [{ ...partial.cells[0], extra: 1 }] };
    assert.match(errorsOf(decodeCells(Buffer.from(JSON.stringify(extra))))[0]?.reason ?? '', /unknown field/);
    assert.match(errorsOf(decodeCells(Buffer.from('{')))[0]?.reason ?? '', /not JSON/);
  });

  it('decisions: round-trip, and cross-field rules the schema cannot say', () => {
    assert.deepEqual(decodeDecision(encodeDecision(decision)), { ok: true, value: decision });
    const { release: _release, ...noRelease } = decision;
    assert.equal(errorsOf(decodeDecision(Buffer.from(JSON.stringify(noRelease))))[0]?.path, '/release');
  });

  it('signals: the record carries the id header and is keyed by release; a signal without a reason is refused', () => {
    const record = encodeSignal(signal);
    assert.equal(record.key, 'agent@7.13.0');
    assert.equal(record.headers[SIGNAL_ID_HEADER], signal.id);
    assert.deepEqual(decodeSignal(record.value), { ok: true, value: signal });
    const { reason: _reason, ...noReason } = signal;
    assert.ok(errorsOf(decodeSignal(Buffer.from(JSON.stringify(noReason)))).length > 0);
  });

  it('ticks: marked by their header, versioned, and refused when malformed', () => {
    assert.equal(isTick({ [TICK_HEADER]: '1' }), true);
    assert.equal(isTick({}), false);
    assert.deepEqual(decodeTick(encodeTick({ watermarkMs: 120_000, closedAt: 120_003 })), { ok: true, value: { v: 1, watermarkMs: 120_000, closedAt: 120_003 } });
    assert.equal(errorsOf(decodeTick(Buffer.from('{"v":1,"watermarkMs":"soon","closedAt":1}')))[0]?.path, '/watermarkMs');
  });

  it('alerter state: every key the alerter writes is one the contract restores', () => {
    const release = { component: 'agent', version: '7.13.0' };
    const keys = [storeKey.releaseRing(release, 'canary'), storeKey.gap({ scope: { region: 'eu' }, ring: '*' }), storeKey.change('canary', 'silent'),
      storeKey.incident('catastrophe|agent@7.13.0'), `${STATE_KEYS.outbox}d1`, `${TRIGGERED_KEY_PREFIX}catastrophe|agent@7.13.0`];
    for (const key of keys) assert.equal(decodeState(key, encodeState({})).ok, true, key);
  });

  it('alerter state: known key kinds with object values only', () => {
    assert.deepEqual(decodeState('incident|catastrophe|agent@7.13.0', encodeState({ id: 'x' })), { ok: true, value: { id: 'x' } });
    assert.match(errorsOf(decodeState('device|x', encodeState({})))[0]?.reason ?? '', /not an alerter state key/);
    assert.match(errorsOf(decodeState('rr|agent@1|canary', Buffer.from('[1]')))[0]?.reason ?? '', /JSON object/);
  });

  it('a cells record that fails the contract is dead-lettered by the judge, with the reason, and judging goes on', async () => {
    const config = testConfig({}, { kind: 'memory', partitions: 2 });
    const running = await runRoles({ config, factories: [processorFactory], logger: silentLogger, registry: createRegistry(false) });
    try {
      const { topics, producer } = running.context;
      const letters: { key: string; headers: Record<string, string>; value: Buffer }[] = [];
      const reader = running.bus.consumer({
        groupId: 'test-dead-letters', topics: [topics.deadLetter], fromBeginning: true,
        handler: async (batch) => { for (const r of batch.records) letters.push(r); },
      });
      await reader.start();
      const bad = Buffer.from(JSON.stringify({ ...partial, cells: [{ ...partial.cells[0], silent: 'many' }] }));
      await producer.publish(topics.cells, [{ key: 'heartbeats/0', value: bad }]);
      for (let i = 0; i < 100 && !letters.length; i++) await sleep(50);
      await reader.stop();
      assert.equal(letters.length, 1);
      assert.equal(letters[0].headers[DLQ_HEADERS.reason], 'invalid_record');
      assert.match(letters[0].headers[DLQ_HEADERS.errors], /\/cells\/0\/silent/);
      assert.match(letters[0].headers[DLQ_HEADERS.source], new RegExp(`^topic:${topics.cells.replace(/\./g, '\\.')}/`));
      assert.deepEqual(letters[0].value, bad, 'the original bytes are kept');
    } finally {
      await running.stop();
    }
  });
});
