// Structured JSON logs. Secrets never reach a log line: known secret fields are redacted by pino, and
// callers log ids and counts, never request bodies or headers.
import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'token', '*.token', 'routing_key', '*.routing_key', 'hmac_secret', '*.hmac_secret',
  'password', '*.password', 'sasl_password', '*.sasl_password', 'device_tokens', '*.device_tokens',
];

export function createLogger(level: string, name: string, destination?: NodeJS.WritableStream): Logger {
  return pino({
    name,
    level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '<redacted>' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  }, destination as pino.DestinationStream | undefined);
}

/** A logger that drops everything (unit tests). */
export const silentLogger: Logger = pino({ level: 'silent' });
