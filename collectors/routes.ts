// The ingest routes: which events each takes, whose token it wants and which topic it writes.
import type { EventKind } from '../common/contract/events.ts';
import type { Audience } from './auth.ts';
import type { IngestRoute } from './metrics.ts';

export interface RouteSpec {
  path: IngestRoute;
  kind: EventKind;
  audience: Audience;
  /** The topic (by role in ctx.topics) its events go to. */
  topic: 'heartbeats' | 'crashes' | 'deployments';
}

const ROUTES: readonly RouteSpec[] = [
  { path: '/v1/heartbeats', kind: 'heartbeat', audience: 'device', topic: 'heartbeats' },
  { path: '/v1/crashes', kind: 'crash', audience: 'device', topic: 'crashes' },
  { path: '/v1/deployments', kind: 'deployment', audience: 'release', topic: 'deployments' },
];

export const routeSpecs = (): readonly RouteSpec[] => ROUTES;
