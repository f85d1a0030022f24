// Sends what the outbox holds: the oldest due entry per order key, a few at a time. Delivered and
// refused entries are forgotten (and deleted from the incidents topic); retryable failures wait their
// backoff and try again, for as long as it takes.
import type { Clock } from '../../common/runtime/clock.ts';
import type { Lifecycle } from '../../common/runtime/lifecycle.ts';
import type { Logger } from '../../common/telemetry/logger.ts';
import type { AlertingMetrics } from './metrics.ts';
import type { Outbox } from './outbox.ts';
import { retryDelayMs, type BackoffSettings } from '../integrations/retry-table.ts';
import { deliveryClass, type Delivery, type Integration } from '../core/routing.ts';
import type { Sender } from '../integrations/senders.ts';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { contextFromHeaders, SpanKind, tracer } from '../../common/telemetry/tracing.ts';

export interface WorkerDeps {
  outbox: Outbox;
  senders: Record<Integration, Sender>;
  /** Persist that a delivery is finished (delivered or refused for good). */
  forget: (ids: string[]) => Promise<void>;
  metrics: AlertingMetrics;
  logger: Logger;
  clock: Clock;
  backoff: BackoffSettings;
  concurrency: number;
}

/** Longest sleep between looks at the outbox (a manual clock in tests may move without waking us). */
const MAX_IDLE_MS = 1000;

export class DeliveryWorker implements Lifecycle {
  private readonly d: WorkerDeps;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly unforgotten = new Set<string>();
  private running = false;
  private woken = false;
  private loop: Promise<void> | undefined;
  private wakeUp: () => void = () => {};

  constructor(deps: WorkerDeps) {
    this.d = deps;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.inFlight.values()]);
    await this.flushForgotten();
  }

  wake(): void {
    this.woken = true;
    this.wakeUp();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.woken = false;
      const now = this.d.clock.now();
      const ids = new Set(this.inFlight.keys());
      for (const delivery of this.d.outbox.due(now, ids, this.d.concurrency - this.inFlight.size)) this.launch(delivery);
      await this.flushForgotten();
      const next = this.d.outbox.nextDueAt(new Set(this.inFlight.keys()));
      const waitMs = next === undefined ? MAX_IDLE_MS : Math.min(MAX_IDLE_MS, Math.max(0, next - this.d.clock.now()));
      if (this.running && !this.woken && (waitMs > 0 || this.inFlight.size >= this.d.concurrency)) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, waitMs || MAX_IDLE_MS);
          this.wakeUp = () => { clearTimeout(timer); resolve(); };
        });
      }
    }
  }

  private launch(delivery: Delivery): void {
    const task = this.attempt(delivery).catch((err: Error) => {
      // A bug, not an answer: keep the entry and try again later rather than lose the page.
      this.d.logger.error({ delivery: delivery.id, err: err.message }, 'delivery attempt crashed; will retry');
      this.d.outbox.retryAt(delivery.id, this.d.clock.now() + this.d.backoff.maxMs);
    }).finally(() => {
      this.inFlight.delete(delivery.id);
      this.wake();
    });
    this.inFlight.set(delivery.id, task);
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const { outbox, metrics, logger } = this.d;
    const integration = delivery.integration;
    const { attempt, durationMs } = await this.traced(delivery, () => this.d.senders[integration](delivery));
    metrics.requestSeconds.observe({ integration }, durationMs / 1000);
    metrics.attempt(deliveryClass(delivery.notice), integration, attempt);
    const where = { delivery: delivery.id, integration, target: delivery.target, attempts: delivery.attempts + 1 };
    if (attempt.kind === 'retry') {
      const delayMs = retryDelayMs(attempt, delivery.attempts, this.d.backoff);
      outbox.retryAt(delivery.id, this.d.clock.now() + delayMs);
      logger.warn({ ...where, reason: attempt.reason, status: attempt.status, delayMs }, 'delivery failed; will retry');
      return;
    }
    outbox.remove(delivery.id);
    this.unforgotten.add(delivery.id);
    if (attempt.kind === 'ok') {
      metrics.delaySeconds.observe({ integration }, Math.max(0, this.d.clock.now() - delivery.createdAtMs) / 1000);
      logger.info(where, 'delivered');
    } else {
      logger.error({ ...where, reason: attempt.reason, status: attempt.status }, 'delivery refused; not retried');
    }
  }

  /**
   * One attempt as a span in the trace of the processing that planned the delivery (its stored context),
   * so an ingest request, the decision and the page it caused are found together.
   */
  private async traced(delivery: Delivery, send: () => ReturnType<Sender>): ReturnType<Sender> {
    const parent = delivery.traceContext ? contextFromHeaders(delivery.traceContext) : context.active();
    const span = tracer().startSpan(`deliver ${delivery.integration}`, {
      kind: SpanKind.INTERNAL,
      attributes: {
        'ringwatch.delivery.id': delivery.id, 'ringwatch.delivery.integration': delivery.integration,
        'ringwatch.delivery.action': delivery.action, 'ringwatch.delivery.attempt': delivery.attempts + 1,
      },
    }, parent);
    try {
      const result = await context.with(trace.setSpan(parent, span), send);
      span.setAttribute('ringwatch.delivery.outcome', result.attempt.kind);
      if (result.attempt.kind !== 'ok') {
        span.setAttribute('error.type', result.attempt.reason);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      return result;
    } finally {
      span.end();
    }
  }

  /** Finished deliveries are deleted from the store; if the bus is down, try again on the next round. */
  private async flushForgotten(): Promise<void> {
    if (!this.unforgotten.size) return;
    const ids = [...this.unforgotten];
    try {
      await this.d.forget(ids);
      for (const id of ids) this.unforgotten.delete(id);
    } catch (err) {
      this.d.logger.warn({ err: (err as Error).message, pending: ids.length }, 'could not record finished deliveries; retrying');
    }
  }
}
