// Cuts inflated NDJSON bytes into numbered lines, in any chunking; shared by the in-thread reader
// (ndjson-reader.ts) and the inflate worker (inflate-worker.ts), so both number, trim and bound lines alike.
// Each chunk is cut after its last newline byte, decoded to text once and split with indexOf; only a line
// that spans chunks is joined. Memory is bounded by the longest line (MAX_LINE_BYTES), not the file.

export const MAX_LINE_BYTES = 1 << 20;
export const TOO_LONG_REASON = `line longer than ${MAX_LINE_BYTES} bytes`;

export interface LineSink {
  /** A non-blank line, trimmed of surrounding white space, with its 1-based number. */
  text(text: string, line: number): void;
  /** A line longer than MAX_LINE_BYTES (dropped as it streams in). */
  tooLong(line: number): void;
}

export class LineSplitter {
  /** Lines seen so far, blank ones included. */
  line = 0;
  private readonly sink: LineSink;
  // Bytes of a line that continues in the next chunk. Lines are cut at the newline byte, which never
  // occurs inside a UTF-8 sequence, so every decoded piece is whole characters.
  private carry: Buffer | undefined;
  private oversize = false;

  constructor(sink: LineSink) {
    this.sink = sink;
  }

  push(chunk: Buffer): void {
    const last = chunk.lastIndexOf(0x0a);
    if (last === -1) {
      // No line ends here. A line that has grown past the limit is dropped as it streams in.
      if (this.oversize || (this.carry?.length ?? 0) + chunk.length > MAX_LINE_BYTES) { this.oversize = true; this.carry = undefined; }
      else this.carry = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
      return;
    }
    let from = 0;
    if (this.carry) {
      // The line begun in an earlier chunk ends at this chunk's first newline.
      from = chunk.indexOf(0x0a) + 1;
      this.finish(Buffer.concat([this.carry, chunk.subarray(0, from - 1)]).toString('utf8'));
    }
    this.carry = last + 1 < chunk.length ? chunk.subarray(last + 1) : undefined;
    // One UTF-8 decode for the rest of the chunk's whole lines, then split with indexOf.
    const s = chunk.toString('utf8', from, last + 1);
    let start = 0;
    for (let nl = s.indexOf('\n'); nl !== -1; nl = s.indexOf('\n', start)) {
      this.finish(s.slice(start, nl));
      start = nl + 1;
    }
    if (this.carry && this.carry.length > MAX_LINE_BYTES) { this.oversize = true; this.carry = undefined; }
  }

  /** The last line, when the input does not end with a newline. */
  end(): void {
    if (this.carry || this.oversize) this.finish(this.carry ? this.carry.toString('utf8') : '');
    this.carry = undefined;
  }

  private finish(text: string): void {
    const line = ++this.line;
    if (this.oversize || (text.length > MAX_LINE_BYTES / 4 && Buffer.byteLength(text) > MAX_LINE_BYTES)) this.sink.tooLong(line);
    else {
      // Lines written by export or simulate need no trim (JSON.parse takes surrounding white space anyway).
      const trimmed = text.charCodeAt(0) > 32 && text.charCodeAt(text.length - 1) > 32 ? text : text.trim();
      if (trimmed) this.sink.text(trimmed, line);
    }
    this.oversize = false;
  }
}

/** The reason given for damage to the input as a whole, after `linesBefore` lines were read. */
export function inputDamageReason(err: { message: string; code?: string }, linesBefore: number): string {
  const why = err.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message)
    ? 'truncated gzip stream: the file ends inside compressed data'
    : `unreadable input: ${err.message}`;
  return `${why}; ${linesBefore} lines before it were read`;
}
