// Pieces the Kafka bus, its producer and its consumer share: settings, options, record conversion.
import { promisify } from 'node:util';
import { zstdCompress, zstdCompressSync, zstdDecompress, zstdDecompressSync } from 'node:zlib';
import kafkajs, { type Consumer, type KafkaMessage, type RetryOptions } from 'kafkajs';
import type { Logger } from '../telemetry/logger.ts';
import type { ConsumedRecord } from './types.ts';
import type { BatchingOptions } from './batching-producer.ts';
import type { KafkaSettings } from '../config/common-sections.ts';

export type { KafkaSettings };

export const headerValues = (headers: Record<string, unknown> | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v !== undefined && v !== null) out[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  }
  return out;
};

export function toConsumed(topic: string, partition: number, m: KafkaMessage): ConsumedRecord {
  return {
    topic, partition, offset: m.offset, timestamp: Number(m.timestamp),
    key: m.key?.toString('utf8') ?? '', value: m.value ?? Buffer.alloc(0), headers: headerValues(m.headers),
    ...(m.value === null ? { tombstone: true } : {}),
  };
}

// kafkajs reads and writes zstd record batches once a codec is registered; Node's own zlib has zstd (no
// native add-on or extra package). Small batches are (de)compressed in place, large ones on libuv's pool.
const { CompressionCodecs, CompressionTypes } = kafkajs; // CommonJS: not all of its names are ESM exports
const zstd = promisify(zstdCompress);
const unzstd = promisify(zstdDecompress);
// One pass through the thread pool per record batch: the default 16 KiB output chunks made a 640 KB batch
// 40 round trips (2.6 ms instead of 0.95 ms to decompress, measured).
const ZSTD_CHUNK_BYTES = 1 << 20;
// zlib hands back a view into its output chunk, so a 20 KB result would keep a whole 1 MiB chunk alive for
// as long as the request (compress) or any message of the batch (decompress) lives: a consumer holding a
// fetch of a few hundred small batches held hundreds of MiB. A result much smaller than its chunk is copied.
const compact = (b: Buffer): Buffer => (b.buffer.byteLength > 2 * b.length ? Buffer.from(b) : b);
// A record batch below this is compressed on the event loop: through the thread pool a call costs about
// 5x the CPU of the compression itself (stream set-up, the 1 MiB output chunk, the hop back), measured with
// the collector's batches of 20-140 KB: 1.3 us per event async against 0.24 us in place (about 0.2 ms for
// 140 KB). Larger batches still go to the pool, so one cannot hold the loop for long.
const ZSTD_IN_PLACE_BYTES = 256 * 1024;
// The same holds for reading: a compressed batch below this is inflated on the event loop. Measured with
// a 39 KB batch of 300 events (5.7 KB compressed): 147 us of CPU per call through the pool, 63 us in place.
// Compressed batches of this size inflate to a few hundred KB at most (well under a millisecond).
const UNZSTD_IN_PLACE_BYTES = 64 * 1024;
CompressionCodecs[CompressionTypes.ZSTD] = () => ({
  compress: async (encoder: { buffer: Buffer }) => compact(encoder.buffer.length < ZSTD_IN_PLACE_BYTES
    ? zstdCompressSync(encoder.buffer)
    : await zstd(encoder.buffer, { chunkSize: ZSTD_CHUNK_BYTES })),
  decompress: async (buffer: Buffer) => compact(buffer.length < UNZSTD_IN_PLACE_BYTES
    ? zstdDecompressSync(buffer)
    : await unzstd(buffer, { chunkSize: ZSTD_CHUNK_BYTES })),
});

/** Every consumer's retry options: kafkajs's backoff from the settings; a restart only while `mayRestart` says so. */
export const consumerRetry = (s: KafkaSettings, mayRestart: () => boolean): RetryOptions & { restartOnFailure: () => Promise<boolean> } => ({
  retries: s.retries, initialRetryTime: s.retry_initial_ms, maxRetryTime: s.retry_max_ms,
  restartOnFailure: async () => mayRestart(),
});

/** A crash kafkajs will not restart from is fatal: the process exits for its supervisor (after `also`). */
export function fatalOnFinalCrash(consumer: Consumer, onFatal: ((err: Error) => void) | undefined, also?: () => void): void {
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    also?.();
    if (!payload.restart) onFatal?.(payload.error);
  });
}

export const compressionType = (c: KafkaSettings['compression']): kafkajs.CompressionTypes =>
  c === 'gzip' ? CompressionTypes.GZIP : c === 'zstd' ? CompressionTypes.ZSTD : CompressionTypes.None;

export interface KafkaBusOptions {
  settings: KafkaSettings;
  clientId: string;
  replicationFactor: number;
  logger: Logger;
  /** Called when a consumer gives up after max_restarts: the process should exit for its supervisor. */
  onFatal?: (err: Error) => void;
  /** Batch records (record format v2) for batchable records; undefined writes every record alone. */
  batching?: BatchingOptions;
}
