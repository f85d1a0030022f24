// The collector role as the process runs it: the ingest routes, GET /openapi.json, readiness, lifecycle.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Role, RoleContext, RoleFactory } from '../common/runtime/role.ts';
import type { CollectorSettings } from './config.ts';
import { Authenticator } from './auth.ts';
import { clockPolicyOf } from './clock-policy.ts';
import { ingestRoute } from './ingest-handler.ts';
import { CollectorMetrics } from './metrics.ts';
import { buildOpenApi } from './openapi.ts';
import { DeadlinePublisher } from './publish.ts';
import { CallerLimits } from './rate-limit.ts';
import { routeSpecs } from './routes.ts';

export const collectorFactory: RoleFactory<CollectorSettings> = {
  name: 'collector',
  create(ctx: RoleContext<CollectorSettings>): Role {
    const s = ctx.settings;
    const logger = ctx.logger;
    const metrics = new CollectorMetrics(ctx.registry);
    const auth = new Authenticator(s, ctx.clock);
    const limits = new CallerLimits(s, ctx.clock, (limit) => metrics.bucketsEvicted.inc({ limit }));
    const publisher = new DeadlinePublisher(ctx.producer, {
      timeoutMs: s.produce_timeout_ms, maxPendingBytes: s.max_pending_produce_bytes, retryAfterSecs: s.retry_after_secs,
    }, metrics, ctx.clock);
    let stopping = false;
    const deps = {
      collectorId: ctx.shared.instanceId,
      maxBodyBytes: s.max_body_bytes,
      maxEventsPerBatch: s.max_events_per_batch,
      sourceFromForwardedFor: s.source_from_forwarded_for,
      policy: clockPolicyOf(s),
      deadLetterTopic: ctx.topics.deadLetter,
      clock: ctx.clock, auth, limits, publisher, metrics, logger,
      stopping: () => stopping,
    };
    const openapi = JSON.stringify(buildOpenApi(s));
    const serveOpenApi = (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(openapi) });
      res.end(openapi);
    };
    return {
      name: 'collector',
      routes: [
        ...routeSpecs().map((spec) => ingestRoute({ ...spec, topicName: ctx.topics[spec.topic] }, deps)),
        { method: 'GET', path: '/openapi.json', handler: serveOpenApi },
      ],
      // The bus check is added by runRoles. Not ready while stopping, or while Kafka writes fail or hang.
      readiness: [{ name: 'collector', ready: () => !stopping }, { name: 'kafka_writes', ready: () => publisher.ready() }],
      listen: { host: s.listen_host, port: s.listen_port },
      start: async () => {
        stopping = false;
        if (!s.auth_enabled) return void logger.warn('collector.auth_enabled is false: anyone who can reach the port may post events (embedded mode only)');
        if (!auth.hasCredentials) logger.warn('collector.auth_enabled is true but no token is configured: every ingest request will get 401');
        logger.info({ sharedDeviceTokens: auth.sharedDeviceTokens, boundDeviceTokens: auth.boundDeviceTokens, deviceJwt: auth.jwtEnabled,
          ...(auth.jwtEnabled ? { jwtAlgorithms: s.device_jwt.algorithms } : {}) }, 'device credentials');
        if (auth.sharedDeviceTokens) {
          logger.warn({ sharedDeviceTokens: auth.sharedDeviceTokens }, 'shared device tokens are configured (collector.device_tokens): whoever holds one may post heartbeats and crashes for any device and ring; outside trials bind tokens to devices (device_token_bindings or device_jwt)');
        }
        if (auth.jwtEnabled && s.device_jwt.hs256_secret) {
          logger.warn('device JWTs accept HS256 with a shared secret (collector.device_jwt.hs256_secret): whoever holds it can mint a token for any device; prefer the issuer\'s public keys (jwks or pem_public_keys)');
        }
      },
      stop: async () => {
        stopping = true;
        // Requests already past the check finish their publish; runRoles stops the producer after us.
        const until = Date.now() + s.produce_timeout_ms;
        while (publisher.pendingBytes > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      },
    };
  },
};
