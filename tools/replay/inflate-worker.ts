// Worker thread of inflate-thread.ts: reads a file, inflates it when it is gzip, splits it into lines
// (ndjson-lines.ts) and parses and validates each (line-check.ts, the in-thread reader's own function). It
// hands the main thread the valid lines' text as one string (a copy of its bytes, which costs the main thread
// less than decoding UTF-8), their numbers and receipt times, and the other lines' reasons: the main thread
// only JSON-parses the valid lines (validation and decoding were a sixth of its time). Flow is bounded by
// credits: at most MAX_IN_FLIGHT batches wait on the main thread, so memory does not follow the file when
// the replay is slower than reading.
import { parentPort, workerData } from 'node:worker_threads';
import { maybeGunzip, openInput } from './ndjson-bytes.ts';
import { LineSplitter, TOO_LONG_REASON } from './ndjson-lines.ts';
import { checkLine } from './line-check.ts';
import { BATCH_BYTES, MAX_IN_FLIGHT, type InflateMessage } from './inflate-protocol.ts';

const port = parentPort!;
let inFlight = 0;
let wake: (() => void) | undefined;
port.on('message', () => {
  inFlight--;
  wake?.();
  wake = undefined;
});

const post = (m: InflateMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

let held = 0;
let texts: string[] = [];
let lineNumbers: number[] = [];
let times: number[] = [];
let bad: { line: number; reason: string }[] = [];
const lines = new LineSplitter({
  text(text, line) {
    const checked = checkLine(text);
    if (typeof checked === 'string') bad.push({ line, reason: checked });
    else {
      texts.push(text);
      lineNumbers.push(line);
      times.push(checked.receivedMs);
    }
  },
  tooLong(line) {
    bad.push({ line, reason: TOO_LONG_REASON });
  },
});

async function send(): Promise<void> {
  held = 0;
  if (!lineNumbers.length && !bad.length) return;
  const numbers = Float64Array.from(lineNumbers);
  const receivedMs = Float64Array.from(times);
  // A trimmed line holds no newline: joined by one, the lines are found again with indexOf.
  post({ type: 'lines', text: texts.join('\n'), lines: numbers, receivedMs, bad }, [numbers.buffer, receivedMs.buffer]);
  texts = [];
  lineNumbers = [];
  times = [];
  bad = [];
  inFlight++;
  while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => { wake = r; });
}

try {
  for await (const chunk of maybeGunzip(openInput(workerData.path as string))) {
    lines.push(chunk);
    held += chunk.length;
    if (held >= BATCH_BYTES) await send();
  }
  lines.end();
  await send();
  post({ type: 'end' });
} catch (err) {
  // Everything before the damage goes first, as on the in-thread path.
  await send();
  post({ type: 'error', message: (err as Error).message, code: (err as NodeJS.ErrnoException).code, lines: lines.line });
}
