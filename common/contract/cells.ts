// The cells topic's wire format: one record per (source, window) holding what that source counted, keyed
// by source so one source's partials stay in order in one partition. Writers (the processors' source
// stage) encode with `encodeCells`; readers (every judge) decode with `decodeCells`, and a record that
// fails is dead-lettered with the reason. The processors' in-memory types (processors/core/partial.ts)
// are checked against this schema by the compiler wherever a partial is encoded or decoded.
import { Type, type Static } from '@sinclair/typebox';
import { compileValidator, decodeJson, type Validation } from './validate.ts';
import { MAX_ID_CHARS, MAX_RING_CHARS } from './limits.ts';

/** Version of the record value; a reader refuses any other. */
export const CELLS_FORMAT_VERSION = 1;

const Count = Type.Integer({ minimum: 0 });
// Names come from validated events; the schema bounds their length (a judge's memory) and nothing more.
const Id = Type.String({ minLength: 1, maxLength: MAX_ID_CHARS });
const Ring = Type.String({ minLength: 1, maxLength: MAX_RING_CHARS });

const CountsFields = {
  expected: Count, reported: Count, silent: Count, newSilent: Count, bootLoops: Count, newBootLoops: Count,
  crashed: Count, newCrashed: Count, crashReports: Count,
  /** Devices back after a gap of more than two periods on a new boot begun during it (absent before it was counted). */
  restarted: Type.Optional(Count),
  /** Silent devices by the window index of their last heartbeat. */
  onset: Type.Record(Type.String({ pattern: '^-?[0-9]{1,16}$' }), Count),
};


const CellRowSchema = Type.Object({
  ...CountsFields,
  ring: Ring, component: Id, version: Id,
  applying: Type.Optional(Type.Literal(true)),
}, { additionalProperties: false });

const RingRowSchema = Type.Object({ ...CountsFields, ring: Ring }, { additionalProperties: false });

const ScopeRowSchema = Type.Object({
  kind: Type.Union([Type.Literal('region'), Type.Literal('collector')]),
  name: Id, ring: Ring, expected: Count, silent: Count,
  /** Silent devices whose last heartbeat is recent: an abrupt drop, not the evening. */
  fresh: Type.Optional(Count),
  records: Count, delayed: Count,
}, { additionalProperties: false });

/** Counts by window index (the window of a device's last heartbeat, or of its online spell's start). */
const ByWindow = Type.Record(Type.String({ pattern: '^-?[0-9]{1,16}$' }), Count);

/** One (ring, stratum) of a window: what cohorts fixed at a rollout's start are followed with. */
const StratumRowSchema = Type.Object({
  ring: Ring,
  stratum: Type.String({ maxLength: 1024 }),
  heard: ByWindow, onset: ByWindow, spell: ByWindow,
  quiet: Count, newSilent: Count, bootLoops: Count, newBootLoops: Count, crashed: Count, newCrashed: Count, crashReports: Count,
}, { additionalProperties: false });

export const CellsRecordSchema = Type.Object({
  v: Type.Literal(CELLS_FORMAT_VERSION),
  source: Type.String({ minLength: 1, maxLength: 64 }),
  window: Type.Integer(),
  windowMs: Type.Integer({ minimum: 1 }),
  closedAt: Type.Number(),
  cells: Type.Array(CellRowSchema),
  rings: Type.Array(RingRowSchema),
  scopes: Type.Array(ScopeRowSchema),
  /** Absent from partials written before cohorts existed: read as none. */
  strata: Type.Optional(Type.Array(StratumRowSchema)),
  late: Count,
  backfill: Count,
}, { additionalProperties: false });

export type CellsRecord = Static<typeof CellsRecordSchema>;

const validate = compileValidator<CellsRecord>(CellsRecordSchema);

export const encodeCells = (p: CellsRecord): Buffer => Buffer.from(JSON.stringify(p));

export function decodeCells(bytes: Buffer): Validation<CellsRecord> {
  return decodeJson(bytes, validate);
}
