// Bounds of event contract v1. They are part of the wire contract (the OpenAPI document states them), so
// they are constants, not settings: a device must be able to know in advance what will be accepted.
// Bounds of a request (batch size, body size, rate) are settings of the collector instead.

/** Longest identifier (eventId, deviceId, bootId, component name, version, ...). */
export const MAX_ID_CHARS = 128;
/** Longest ring name. Rings are a Prometheus label, so they are short and plain. */
export const MAX_RING_CHARS = 64;
/** Longest free-text field (os, hardware, crash signature, label values). */
export const MAX_TEXT_CHARS = 512;
/** Most components a device may report (agent, content/channel files, OS patches). */
export const MAX_COMPONENTS = 20;
/** Most free-form labels on one heartbeat. */
export const MAX_LABELS = 16;
/** Longest uptime accepted: 10 years, in seconds. */
export const MAX_UPTIME_SECS = 10 * 365 * 24 * 3600;
/** Longest heartbeat interval an agent may report (a day). */
export const MAX_INTERVAL_SECS = 86400;
/** Earliest timestamp that is possible at all (2000-01-01T00:00:00Z); older is a broken device clock. */
export const MIN_TIMESTAMP_MS = Date.UTC(2000, 0, 1);
/** Latest timestamp that is possible at all (2100-01-01T00:00:00Z). Receipt-relative bounds are the collector's. */
export const MAX_TIMESTAMP_MS = Date.UTC(2100, 0, 1);

/** Identifier characters: letters, digits and a few separators; never starts with '_' (no __proto__). */
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:/@+\\-]*$';
/** Ring names: lower-case label-safe words. */
export const RING_PATTERN = '^[a-z0-9][a-z0-9_\\-]*$';
/**
 * Map keys (component, applying and label names): ID_PATTERN with the length bound in the pattern, because a
 * JSON Schema map (patternProperties) has no place for a key's maxLength.
 */
export const ID_KEY_PATTERN = `^[A-Za-z0-9][A-Za-z0-9._:/@+\\-]{0,${MAX_ID_CHARS - 1}}$`;
