// The PagerDuty routing key each alert was triggered with, so its resolve (and the halt's change event)
// reach the service that holds the alert even after `release_owners` or the default keys changed. Kept
// on the incidents topic under `pager|<incident id>` from a trigger's 2xx until its resolve is finished,
// so a restart in between still resolves at the right place. The incidents topic thereby holds
// integration keys of open alerts: restrict who reads it (docs/alerting.md, Persistence).
import { STATE_KEYS } from '../../common/contract/alerter-state.ts';
import type { Logger } from '../../common/telemetry/logger.ts';
import type { TriggeredKeyStore } from '../integrations/senders.ts';

export const TRIGGERED_KEY_PREFIX = STATE_KEYS.pager;

interface Entry { episode: number; routingKey: string }

const isEntry = (v: unknown): v is Entry => typeof v === 'object' && v !== null
  && Number.isInteger((v as Entry).episode) && typeof (v as Entry).routingKey === 'string' && (v as Entry).routingKey.length > 0;

export class TriggeredKeys implements TriggeredKeyStore {
  private readonly keys = new Map<string, Entry>();
  /** Writes the bus did not acknowledge yet: sent again with the next one (undefined: a deletion). */
  private readonly unsaved = new Map<string, Entry | undefined>();
  private readonly persist: (entries: [string, unknown][]) => Promise<void>;
  private readonly logger: Logger;

  constructor(persist: (entries: [string, unknown][]) => Promise<void>, logger: Logger) {
    this.persist = persist;
    this.logger = logger;
  }

  /** Take a record read back (or followed, undefined: deleted); false when the key is not one of ours. */
  restore(key: string, value: unknown): boolean {
    if (!key.startsWith(TRIGGERED_KEY_PREFIX)) return false;
    const id = key.slice(TRIGGERED_KEY_PREFIX.length);
    if (isEntry(value)) this.keys.set(id, { episode: value.episode, routingKey: value.routingKey });
    else if (value === undefined) this.keys.delete(id);
    return true;
  }

  /** Forget everything before the incidents topic is read back again (a takeover or a step-down). */
  clear(): void {
    this.keys.clear();
    this.unsaved.clear();
  }

  /** The key that triggered this incident's alert (of `episode`, when given). */
  keyFor(incidentId: string, episode?: number): string | undefined {
    const e = this.keys.get(incidentId);
    return e && (episode === undefined || e.episode === episode) ? e.routingKey : undefined;
  }

  async triggered(incidentId: string, episode: number, routingKey: string): Promise<void> {
    const entry = { episode, routingKey };
    this.keys.set(incidentId, entry);
    await this.save(incidentId, entry);
  }

  /** The alert of `episode` is resolved (or its resolve refused for good): its key is no longer needed. */
  async finished(incidentId: string, episode: number): Promise<void> {
    if (this.keys.get(incidentId)?.episode !== episode) return;
    this.keys.delete(incidentId);
    await this.save(incidentId, undefined);
  }

  get size(): number {
    return this.keys.size;
  }

  private async save(incidentId: string, entry: Entry | undefined): Promise<void> {
    this.unsaved.set(incidentId, entry);
    const batch = [...this.unsaved];
    try {
      await this.persist(batch.map(([id, e]) => [`${TRIGGERED_KEY_PREFIX}${id}`, e]));
      for (const [id, e] of batch) if (this.unsaved.get(id) === e) this.unsaved.delete(id);
    } catch (err) {
      // The page itself went out; only a restart before the next successful write would lose the key
      // (the resolve then falls back to the keys in force).
      this.logger.warn({ err: (err as Error).message, incident: incidentId }, 'routing key of a PagerDuty alert not persisted yet; retried with the next write');
    }
  }
}
