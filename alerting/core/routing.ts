// Routing by what happened, pure. A release failure pages the release's owners (critical for a
// catastrophe, lower for a regression); a telemetry gap pages the pipeline's own on-call and never the
// release owners; halts go to the signals topic, to webhooks and as PagerDuty change events.
import type { Notice } from './model.ts';

export const INTEGRATIONS = ['pagerduty', 'webhook', 'signals_topic'] as const;
export type Integration = (typeof INTEGRATIONS)[number];
export type DeliveryAction = 'trigger' | 'resolve' | 'change' | 'post' | 'publish';
/** Which PagerDuty integration key: the release owners' or the pipeline on-call's. */
export type PagerRoute = 'release' | 'pipeline';

export interface Delivery {
  /** `<integration>:<target>|<notice id>`: the same notice never gets two deliveries to one target. */
  id: string;
  integration: Integration;
  /** PagerDuty route, webhook name, or 'signals'. */
  target: string;
  action: DeliveryAction;
  /** Deliveries with one order key go out one at a time, in order (a resolve never overtakes its trigger). */
  orderKey: string;
  seq: number;
  createdAtMs: number;
  attempts: number;
  nextAttemptAtMs: number;
  notice: Notice;
  /** W3C trace context (traceparent, tracestate) of the processing that planned it: its sending continues that trace. */
  traceContext?: Record<string, string>;
}

export type PlannedDelivery = Pick<Delivery, 'id' | 'integration' | 'target' | 'action' | 'orderKey' | 'notice'>;

export interface RoutingTargets {
  /** Whether an integration key exists for this route (and component), or the incident's alert was triggered with one. */
  hasPagerKey(route: PagerRoute, component?: string, incidentId?: string): boolean;
  webhooks: string[];
}

function subject(n: Notice): string {
  return n.type === 'signal.halt' ? `${n.signal.release.component}@${n.signal.release.version}` : n.incident.id;
}

function pagerduty(n: Notice): { route: PagerRoute; component?: string; action: DeliveryAction; incidentId?: string } | undefined {
  if (n.type === 'signal.halt') return { route: 'release', component: n.signal.release.component, action: 'change', incidentId: n.signal.incidentId };
  const route: PagerRoute = n.incident.kind === 'pipeline_gap' ? 'pipeline' : 'release';
  const component = n.incident.release?.component;
  if (n.type === 'incident.opened') return { route, component, action: 'trigger' };
  if (n.type === 'incident.resolved') return { route, component, action: 'resolve', incidentId: n.incident.id };
  return undefined; // an update keeps the same alert; PagerDuty gets nothing new to page about
}

export function planDeliveries(n: Notice, targets: RoutingTargets): PlannedDelivery[] {
  const out: PlannedDelivery[] = [];
  const add = (integration: Integration, target: string, action: DeliveryAction) => out.push({
    id: `${integration}:${target}|${n.id}`, integration, target, action, orderKey: `${integration}:${target}|${subject(n)}`, notice: n,
  });
  const pd = pagerduty(n);
  if (pd && targets.hasPagerKey(pd.route, pd.component, pd.incidentId)) add('pagerduty', pd.route, pd.action);
  for (const name of targets.webhooks) add('webhook', name, 'post');
  if (n.type === 'signal.halt') add('signals_topic', 'signals', 'publish');
  return out;
}

/** Pages are incident notices; signals are halts (metrics count them apart). */
export const deliveryClass = (n: Notice): 'page' | 'signal' => (n.type === 'signal.halt' ? 'signal' : 'page');
