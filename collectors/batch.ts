// The request envelope `{"events":[...]}`: strict UTF-8, strict JSON, no key but "events" at the top
// (JSON.parse keeps "__proto__" as an own key, so it is refused here like any unknown key, by name).
import { IngestError } from './reasons.ts';

export interface ParsedBatch {
  /** The body as text: per-event raw bytes for dead letters are sliced from it on demand. */
  text: string;
  events: unknown[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// V8's JSON.parse messages quote the input; only the position is passed on (no payload in answers or logs).
function jsonProblem(err: unknown): string {
  const at = /position (\d+)/.exec(String((err as Error)?.message))?.[1];
  return at === undefined ? 'body is not valid JSON (truncated?)' : `body is not valid JSON (at byte offset ~${at})`;
}

export function parseBatch(body: Buffer, maxEvents: number): ParsedBatch {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new IngestError('malformed', 'body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new IngestError('malformed', jsonProblem(err));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IngestError('malformed', 'body must be a JSON object {"events": [...]}');
  }
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      throw new IngestError('malformed', `/${key}: forbidden key (prototype pollution)`);
    }
    if (key !== 'events') throw new IngestError('malformed', `/${key.slice(0, 64)}: unknown top-level key (only "events" is allowed)`);
  }
  const events = (value as { events?: unknown }).events;
  if (!Array.isArray(events)) throw new IngestError('malformed', '/events: required, must be an array');
  if (events.length > maxEvents) {
    throw new IngestError('too_many_events', `/events: ${events.length} events, at most ${maxEvents} per request`);
  }
  return { text, events };
}
