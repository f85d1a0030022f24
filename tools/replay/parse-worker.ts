// Worker thread of parse-thread.ts: reads a file, inflates it when it is gzip, splits it into lines and
// JSON-parses each, and hands the parsed documents to the main thread as compact batch records (record
// format v3, common/contract/compact-batch.ts, the format the processors read from Kafka), transferred, not
// copied. Validation stays on the main thread, so verdicts and error texts are the in-thread reader's.
// Flow is bounded by credits: at most MAX_IN_FLIGHT messages wait on the main thread, so memory does not
// follow the file when the replay is slower than parsing.
import { parentPort, workerData } from 'node:worker_threads';
import { maybeGunzip, openInput } from './ndjson-bytes.ts';
import { LineSplitter, TOO_LONG_REASON } from './ndjson-lines.ts';
import { BATCH_BYTES, MAX_IN_FLIGHT, RECORD_ENTRIES, type LineAside, type ParseMessage } from './parse-protocol.ts';
import { CompactEncoder } from '../../common/contract/compact-batch.ts';
import { notJsonError } from '../../common/contract/envelope.ts';
import { formatFieldError } from '../../common/contract/validate.ts';

const port = parentPort!;
let inFlight = 0;
let wake: (() => void) | undefined;
port.on('message', () => {
  inFlight--;
  wake?.();
  wake = undefined;
});

let encoder = new CompactEncoder();
let entryLines: number[] = [];
let records: Uint8Array[] = [];
let lines: Float64Array[] = [];
let aside: LineAside[] = [];
let held = 0;

/** A buffer that owns its whole ArrayBuffer is moved; a small one from Buffer's shared pool is copied first. */
const movable = (b: Buffer): Uint8Array => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : new Uint8Array(b));

function closeRecord(): void {
  if (!encoder.count) return;
  records.push(movable(encoder.finish()));
  lines.push(Float64Array.from(entryLines));
  encoder = new CompactEncoder();
  entryLines = [];
}

const splitter = new LineSplitter({
  text(text, line) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      aside.push({ line, reason: formatFieldError(notJsonError(err)) });
      return;
    }
    // The key is unused (the line number travels beside the record): an empty string is one byte.
    if (!encoder.addExact({ key: '', doc })) { aside.push({ line, text }); return; }
    entryLines.push(line);
    if (encoder.count >= RECORD_ENTRIES) closeRecord();
  },
  tooLong(line) {
    aside.push({ line, reason: TOO_LONG_REASON });
  },
});

const post = (m: ParseMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

async function send(): Promise<void> {
  closeRecord();
  held = 0;
  if (!records.length && !aside.length) return;
  const m: ParseMessage = { type: 'records', records, lines, aside };
  const transfer = [...records.map((r) => r.buffer as ArrayBuffer), ...lines.map((l) => l.buffer as ArrayBuffer)];
  records = [];
  lines = [];
  aside = [];
  inFlight++;
  post(m, transfer);
  while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => { wake = r; });
}

try {
  for await (const chunk of maybeGunzip(openInput(workerData.path as string))) {
    splitter.push(chunk);
    held += chunk.length;
    if (held >= BATCH_BYTES) await send();
  }
  splitter.end();
  await send();
  post({ type: 'end' });
} catch (err) {
  // Everything before the damage goes first, as on the in-thread path.
  await send();
  post({ type: 'error', message: (err as Error).message, code: (err as NodeJS.ErrnoException).code, lines: splitter.line });
}
