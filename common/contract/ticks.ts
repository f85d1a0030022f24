// Watermark ticks, a second record kind on the crashes topic. Crash partitions are often idle, and an idle
// partition never learns that time moved on; so the processor that owns heartbeats partition p writes a
// tick into crashes partition p whenever it closes windows (processors/shell/ticks.ts says why there).
// A tick is marked by the `ringwatch-processor-tick` header: every reader of the crashes topic must check
// the header first (`isTick`) and skip ticks or decode them with `decodeTick`, never as a crash envelope.
// `ringwatch export` leaves them out, so recorded histories hold telemetry only.
import { Type, type Static } from '@sinclair/typebox';
import { compileValidator, decodeJson, type Validation } from './validate.ts';

export const TICK_HEADER = 'ringwatch-processor-tick';

export const TickSchema = Type.Object({
  v: Type.Literal(1),
  /** Windows ending at or before this time are closed. */
  watermarkMs: Type.Number(),
  /** Receipt time of the record that closed them (data time). */
  closedAt: Type.Number(),
}, { additionalProperties: false });

export type Tick = Static<typeof TickSchema>;

const validate = compileValidator<Tick>(TickSchema);

export const isTick = (headers: Record<string, string> | undefined): boolean => headers?.[TICK_HEADER] !== undefined;

export const encodeTick = (tick: Omit<Tick, 'v'>): Buffer => Buffer.from(JSON.stringify({ v: 1, ...tick }));

export function decodeTick(bytes: Buffer): Validation<Tick> {
  return decodeJson(bytes, validate);
}
