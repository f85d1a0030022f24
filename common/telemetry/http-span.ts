// The SERVER span of one HTTP request, by the OpenTelemetry HTTP conventions: named `<method> <route>`,
// parented on the caller's W3C `traceparent` (and `tracestate`) when the request carries one, with the
// required attributes (http.request.method, url.path, url.scheme) and the conditionally required ones
// (http.route, http.response.status_code, error.type for a 5xx, url.query, server.port).
import { SpanStatusCode, type Context, type Span } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import { contextFromHeaders, SpanKind, tracer } from './tracing.ts';

const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);

export interface ServerSpan { span: Span; context: Context }

export function startServerSpan(req: IncomingMessage, url: URL, route: string | undefined, localPort: number): ServerSpan {
  const parent = contextFromHeaders(req.headers);
  const method = KNOWN_METHODS.has(req.method ?? '') ? req.method! : '_OTHER';
  const host = req.headers.host?.replace(/:\d+$/, '');
  const span = tracer().startSpan(route ? `${method} ${route}` : method, {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': method,
      ...(method === '_OTHER' ? { 'http.request.method_original': req.method ?? '' } : {}),
      'url.path': url.pathname,
      'url.scheme': 'http',
      ...(url.search ? { 'url.query': url.search.slice(1) } : {}),
      ...(route ? { 'http.route': route } : {}),
      'network.protocol.version': req.httpVersion,
      ...(host ? { 'server.address': host } : {}),
      'server.port': localPort,
      ...(req.socket.remoteAddress ? { 'client.address': req.socket.remoteAddress, 'network.peer.address': req.socket.remoteAddress } : {}),
      ...(req.headers['user-agent'] ? { 'user_agent.original': req.headers['user-agent'] } : {}),
    },
  }, parent);
  return { span, context: parent };
}

/** A 5xx marks the span as failed (error.type = the status code); a 4xx is the client's, not ours. */
export function endServerSpan(span: Span, status: number): void {
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) {
    span.setAttribute('error.type', String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
