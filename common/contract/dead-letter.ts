// The dead-letter topic's format: a refused event keeps its original bytes, with why it was refused in headers, so it can be
// inspected and replayed. Nothing invalid is dropped silently and nothing invalid blocks valid neighbours.
import type { BusProducer, BusRecord } from '../bus/types.ts';
import type { FieldError } from './validate.ts';

export const DLQ_HEADERS = {
  reason: 'ringwatch-dlq-reason',
  errors: 'ringwatch-dlq-errors',
  source: 'ringwatch-dlq-source',
  at: 'ringwatch-dlq-at',
  credential: 'ringwatch-dlq-credential',
} as const;

export interface DeadLetter {
  key: string;
  /** The original bytes, exactly as received. */
  original: Buffer;
  /** Closed set: invalid_event, invalid_json, invalid_record, ... */
  reason: string;
  errors: FieldError[];
  /** Where it came from: "http:/v1/heartbeats#3", "topic:ringwatch.heartbeats/2@1734". */
  source: string;
  /** Which credential posted it (an id such as "jwt:dev-1" or "bound:3", never a token), for HTTP ingest. */
  credential?: string;
}

export function deadLetterRecord(d: DeadLetter, now: Date): BusRecord {
  return {
    key: d.key,
    value: d.original,
    headers: {
      [DLQ_HEADERS.reason]: d.reason,
      [DLQ_HEADERS.errors]: JSON.stringify(d.errors).slice(0, 8192),
      [DLQ_HEADERS.source]: d.source.slice(0, 512),
      [DLQ_HEADERS.at]: now.toISOString(),
      ...(d.credential === undefined ? {} : { [DLQ_HEADERS.credential]: d.credential.slice(0, 256) }),
    },
  };
}

export function publishDeadLetters(producer: BusProducer, topic: string, letters: DeadLetter[], now: Date): Promise<void> {
  return producer.publish(topic, letters.map((d) => deadLetterRecord(d, now)));
}
