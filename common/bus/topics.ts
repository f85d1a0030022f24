// Topic names. Every name is `<bus.topic_prefix><suffix>`, so several ringwatch installations can share
// one cluster. The suffixes are fixed; the prefix is configuration (default "ringwatch.").
export const TOPIC_SUFFIXES = {
  heartbeats: 'heartbeats',
  crashes: 'crashes',
  deployments: 'deployments',
  deadLetter: 'deadletter',
  /** Partial per-cell aggregates from processor instances, keyed by cell (merged downstream). */
  cells: 'cells',
  /** Verdicts and alarms, keyed by (release, ring, window): idempotent per cell and window. */
  decisions: 'decisions',
  /** Halt / rollback signals for release tooling. */
  signals: 'signals',
  /** Compacted changelog of processor device state. */
  deviceState: 'device-state',
  /** Compacted changelog of alerting incidents and outbound delivery state. */
  incidents: 'incidents',
} as const;

export type TopicName = keyof typeof TOPIC_SUFFIXES;
export type Topics = Record<TopicName, string>;

export function topicNames(prefix: string): Topics {
  return Object.fromEntries(
    Object.entries(TOPIC_SUFFIXES).map(([name, suffix]) => [name, `${prefix}${suffix}`]),
  ) as Topics;
}
