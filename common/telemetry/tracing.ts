// OpenTelemetry: the SDK reads its own OTEL_* variables. Tracing is off unless an exporter or endpoint is
// configured (or OTEL_SDK_DISABLED=true forces it off). Trace context crosses Kafka in W3C
// `traceparent` / `tracestate` message headers.
import { context, propagation, trace, type Link, type Span, SpanKind, type Tracer } from '@opentelemetry/api';

let sdk: { shutdown(): Promise<void> } | undefined;

export function tracingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER;
  if (exporter === 'none') return false;
  return Boolean(exporter || env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Start the NodeSDK if configured. Loaded lazily so a process without tracing pays nothing. */
export async function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (sdk || !tracingWanted(env)) return false;
  env.OTEL_SERVICE_NAME ??= serviceName;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const instance = new NodeSDK({ instrumentations: [] });
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
  for (const headers of headersList) {
    if (links.length >= max) break;
    if (!headers.traceparent) continue;
    const spanContext = trace.getSpanContext(propagation.extract(context.active(), headers));
    if (spanContext) links.push({ context: spanContext });
  }
  return links;
}

export { SpanKind };
