// OpenTelemetry: the SDK reads its own OTEL_* variables. Tracing is off unless an exporter or endpoint is
// configured (or OTEL_SDK_DISABLED=true, any case, forces it off). Trace context crosses Kafka in W3C
// `traceparent` / `tracestate` message headers, and HTTP in the same request headers.
import { context, propagation, ROOT_CONTEXT, trace, type Link, type Span, SpanKind, type Tracer } from '@opentelemetry/api';

let sdk: { shutdown(): Promise<void> } | undefined;

/** Booleans in OTEL_* variables are case-insensitive (the specification's "true", "TRUE", "True"). */
const isTrue = (v: string | undefined): boolean => v?.trim().toLowerCase() === 'true';

export function tracingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  if (isTrue(env.OTEL_SDK_DISABLED)) return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporter === 'none') return false;
  return Boolean(exporter || env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Whether the user named the service: OTEL_SERVICE_NAME, or service.name in OTEL_RESOURCE_ATTRIBUTES. */
export function userServiceName(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SERVICE_NAME?.trim()) return true;
  return (env.OTEL_RESOURCE_ATTRIBUTES ?? '').split(',').some((pair) => pair.split('=')[0].trim() === 'service.name');
}

/** ringwatch-collector, ringwatch-processor, ringwatch-alerter; several roles in one process: ringwatch-all. */
export const roleServiceName = (roles: string[]): string => (roles.length === 1 ? `ringwatch-${roles[0]}` : 'ringwatch-all');

/** Start the NodeSDK if configured. Loaded lazily so a process without tracing pays nothing. */
export async function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (sdk || !tracingWanted(env)) return false;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  // The SDK's own resource detection reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; ours is a default.
  const instance = new NodeSDK({ instrumentations: [], ...(userServiceName(env) ? {} : { serviceName }) });
  instance.start();
  sdk = instance;
  return true;
}

export async function stopTracing(): Promise<void> {
  const s = sdk;
  sdk = undefined;
  await s?.shutdown();
}

export const tracer = (): Tracer => trace.getTracer('ringwatch');

/** W3C trace context of the active (or given) span, as Kafka headers. */
export function traceHeaders(span?: Span): Record<string, string> {
  const carrier: Record<string, string> = {};
  const ctx = span ? trace.setSpan(context.active(), span) : context.active();
  propagation.inject(ctx, carrier);
  return carrier;
}

/** Links from consumed records' headers to their producers' spans (batches are linked, not parented). */
export function linksFromHeaders(headersList: Record<string, string>[], max = 32): Link[] {
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const headers of headersList) {
    if (links.length >= max) break;
    if (!headers.traceparent || seen.has(headers.traceparent)) continue;
    seen.add(headers.traceparent);
    const spanContext = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, headers));
    if (spanContext) links.push({ context: spanContext });
  }
  return links;
}

/** The context carried by W3C headers (a Kafka record's, an HTTP request's), or the root context. */
export const contextFromHeaders = (headers: Record<string, string | string[] | undefined>) => propagation.extract(ROOT_CONTEXT, headers);

export { SpanKind };
