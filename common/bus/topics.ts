// Topic names. Every name is `<bus.topic_prefix><suffix>`, so several ringwatch installations can share
// one cluster. The suffixes are fixed; the prefix is configuration (default "ringwatch.").
export const TOPIC_SUFFIXES = {
  heartbeats: 'heartbeats',
  crashes: 'crashes',
  deployments: 'deployments',
  deadLetter: 'deadletter',
  /** Partial per-cell aggregates, one record per (source, window), keyed by source (common/contract/cells.ts). */
  cells: 'cells',
  /** Verdicts and alarms, keyed by release (or gap scope); the id in the value is idempotent per cell and window (common/contract/decision.ts). */
  decisions: 'decisions',
  /** Halt / rollback signals for release tooling, keyed by release (common/contract/signals.ts). */
  signals: 'signals',
  /** Compacted changelog of alerting incidents and outbound delivery state (common/contract/alerter-state.ts). */
  incidents: 'incidents',
  /** Single partition, never written: the alerter replicas' election (whoever is assigned partition 0 is active). */
  alerterLeadership: 'alerter-leadership',
} as const;

export type TopicName = keyof typeof TOPIC_SUFFIXES;
export type Topics = Record<TopicName, string>;

export function topicNames(prefix: string): Topics {
  return Object.fromEntries(
    Object.entries(TOPIC_SUFFIXES).map(([name, suffix]) => [name, `${prefix}${suffix}`]),
  ) as Topics;
}
