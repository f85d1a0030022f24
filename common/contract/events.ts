// Event contract v1: one schema per event kind, TypeScript types derived from it. Every role, the
// OpenAPI document and the backtest file format use these schemas and nothing else.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import {
  ID_KEY_PATTERN, ID_PATTERN, MAX_COMPONENTS, MAX_ID_CHARS, MAX_INTERVAL_SECS, MAX_LABELS, MAX_RING_CHARS, MAX_TEXT_CHARS, MAX_UPTIME_SECS,
  RING_PATTERN,
} from './limits.ts';

const Id = (description: string) =>
  Type.String({ minLength: 1, maxLength: MAX_ID_CHARS, pattern: ID_PATTERN, description });
const Text = (description: string) => Type.String({ minLength: 1, maxLength: MAX_TEXT_CHARS, description });
const Timestamp = (description: string) => Type.String({ format: 'date-time', maxLength: 40, description });
const Ring = Type.String({
  minLength: 1, maxLength: MAX_RING_CHARS, pattern: RING_PATTERN,
  description: 'Deployment ring the device belongs to (e.g. canary, early, broad).',
});
const Components = Type.Record(
  Type.String({ pattern: ID_KEY_PATTERN, maxLength: MAX_ID_CHARS }),
  Type.String({ minLength: 1, maxLength: MAX_ID_CHARS, pattern: ID_PATTERN }),
  {
    maxProperties: MAX_COMPONENTS,
    additionalProperties: false, // keys that do not match the name pattern are refused, not ignored
    description: 'Installed components: name -> version (agent, each content/channel file, OS patch level).',
  },
);

export const HeartbeatSchema = Type.Object({
  eventId: Id('Unique id of this event; redeliveries and retries are recognised by it.'),
  deviceId: Id('Stable id of the endpoint.'),
  sentAt: Timestamp('Device clock when sent (RFC 3339).'),
  ring: Ring,
  bootId: Id('New on every boot; many boot ids with tiny uptimes are a boot loop.'),
  uptimeSec: Type.Integer({ minimum: 0, maximum: MAX_UPTIME_SECS, description: 'Seconds since boot.' }),
  intervalSecs: Type.Optional(Type.Integer({
    minimum: 1, maximum: MAX_INTERVAL_SECS,
    description: "Optional: the agent's heartbeat interval now, in seconds. An update that makes the agent report less often says so here, so its devices are not taken for silent between heartbeats.",
  })),
  components: Components,
  applying: Type.Optional(Type.Record(
    Type.String({ pattern: ID_KEY_PATTERN, maxLength: MAX_ID_CHARS }),
    Type.String({ minLength: 1, maxLength: MAX_ID_CHARS, pattern: ID_PATTERN }),
    { maxProperties: MAX_COMPONENTS, additionalProperties: false, description: 'Optional: component versions the agent is about to apply.' },
  )),
  os: Type.Optional(Text('Operating system and version.')),
  hardware: Type.Optional(Text('Hardware model.')),
  region: Type.Optional(Id('Region or site of the device.')),
  labels: Type.Optional(Type.Record(
    Type.String({ pattern: ID_KEY_PATTERN, maxLength: MAX_ID_CHARS }),
    Type.String({ maxLength: MAX_TEXT_CHARS }),
    { maxProperties: MAX_LABELS, additionalProperties: false, description: 'Free-form labels (never used as metric labels).' },
  )),
}, { additionalProperties: false, $id: 'Heartbeat' });

export const CrashKinds = ['kernel', 'agent', 'application'] as const;

export const CrashSchema = Type.Object({
  eventId: Id('Unique id of this event.'),
  deviceId: Id('Stable id of the endpoint.'),
  occurredAt: Timestamp('Device clock when the crash happened (RFC 3339).'),
  ring: Ring,
  bootId: Id('Boot during which the crash happened.'),
  components: Components,
  kind: Type.Union(CrashKinds.map((k) => Type.Literal(k)), { description: 'What crashed.' }),
  signature: Type.Optional(Text('e.g. bugcheck code and faulting module.')),
  region: Type.Optional(Id('Region or site of the device.')),
}, { additionalProperties: false, $id: 'Crash' });

export const DeploymentActions = ['started', 'paused', 'resumed', 'completed', 'halted', 'rolled_back'] as const;

export const DeploymentSchema = Type.Object({
  eventId: Id('Unique id of this event.'),
  component: Id('Component being released (e.g. agent, channel-291).'),
  version: Id('Version being released.'),
  ring: Ring,
  action: Type.Union(DeploymentActions.map((a) => Type.Literal(a)), { description: 'What happened to the rollout.' }),
  at: Timestamp('When it happened (release tooling clock, RFC 3339).'),
  expectedDowntimeSecs: Type.Optional(Type.Integer({
    minimum: 0, maximum: 86400,
    description: 'On `started`: how long a device may be dark while it takes the release (an update that restarts the device). A device silent since taking it counts as silent only once it has been silent this much longer than usual.',
  })),
}, { additionalProperties: false, $id: 'Deployment' });

export type Heartbeat = Static<typeof HeartbeatSchema>;
export type Crash = Static<typeof CrashSchema>;
export type Deployment = Static<typeof DeploymentSchema>;
export type CrashKind = (typeof CrashKinds)[number];
export type DeploymentAction = (typeof DeploymentActions)[number];

export const EventKinds = ['heartbeat', 'crash', 'deployment'] as const;
export type EventKind = (typeof EventKinds)[number];
export type EventOf<K extends EventKind> =
  K extends 'heartbeat' ? Heartbeat : K extends 'crash' ? Crash : Deployment;

export const EventSchemas: Record<EventKind, TSchema> = {
  heartbeat: HeartbeatSchema,
  crash: CrashSchema,
  deployment: DeploymentSchema,
};

/** The device- or tool-side time of an event (before any clamping). */
export function eventTime(kind: EventKind, event: Heartbeat | Crash | Deployment): string {
  if (kind === 'heartbeat') return (event as Heartbeat).sentAt;
  if (kind === 'crash') return (event as Crash).occurredAt;
  return (event as Deployment).at;
}
