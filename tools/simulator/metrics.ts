// Self-telemetry of the agent driver, for processes that also serve /metrics (the demo runs the
// simulator next to every role). Optional: the CLI and tests read DriverStats instead.
import { Counter, type Registry } from 'prom-client';
import { ATTEMPT_OUTCOMES, ENDPOINTS, type AttemptOutcome, type Endpoint } from './agent-driver.ts';

export class DriverMetrics {
  readonly attempts: Counter<'endpoint' | 'outcome'>;
  readonly events: Counter<'endpoint' | 'outcome'>;

  constructor(registry: Registry) {
    this.attempts = new Counter({
      name: 'ringwatch_simulator_http_attempts_total', help: 'Requests the simulated agents made, by endpoint and outcome.',
      labelNames: ['endpoint', 'outcome'], registers: [registry],
    });
    this.events = new Counter({
      name: 'ringwatch_simulator_events_total', help: 'Events the simulated agents sent, by endpoint and final outcome (accepted, rejected, failed, dropped).',
      labelNames: ['endpoint', 'outcome'], registers: [registry],
    });
    for (const endpoint of Object.keys(ENDPOINTS)) {
      for (const outcome of ATTEMPT_OUTCOMES) this.attempts.inc({ endpoint, outcome }, 0);
      for (const outcome of ['accepted', 'rejected', 'failed', 'dropped']) this.events.inc({ endpoint, outcome }, 0);
    }
  }

  attempt(endpoint: Endpoint, outcome: AttemptOutcome): void {
    this.attempts.inc({ endpoint, outcome });
  }

  settled(endpoint: Endpoint, outcome: 'accepted' | 'rejected' | 'failed' | 'dropped', count: number): void {
    if (count > 0) this.events.inc({ endpoint, outcome }, count);
  }
}
