// A small HTTP server shared by every role: routes, JSON answers, /metrics, /livez and /readyz.
// Handlers never throw to the socket: an unexpected error is logged and answered 500 without details.
// Requests other than /metrics, /livez and /readyz are traced (common/telemetry/http-span.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { context, trace } from '@opentelemetry/api';
import type { Logger } from '../telemetry/logger.ts';
import { endServerSpan, startServerSpan } from '../telemetry/http-span.ts';
import type { Lifecycle, ReadinessCheck } from '../runtime/lifecycle.ts';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;
export interface Route { method: string; path: string; handler: RouteHandler; }

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export interface HttpServerOptions {
  host: string;
  port: number;
  registry: Registry;
  readiness: ReadinessCheck[];
  routes: Route[];
  logger: Logger;
  /** Parameterised paths match by prefix, e.g. "/v1/verdicts/". */
  prefixRoutes?: Route[];
  /** What /metrics serves instead of the registry's own text (a worker process: every worker's series, summed). */
  metricsText?: () => Promise<string>;
}

export class HttpServer implements Lifecycle {
  private server: Server | undefined;
  private readonly options: HttpServerOptions;
  port = 0;

  constructor(options: HttpServerOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 65_000; // longer than typical load-balancer idle timeouts
    server.headersTimeout = 66_000;
    server.requestTimeout = 120_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 2000).unref();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && ['/metrics', '/livez', '/readyz'].includes(url.pathname)) return this.answer(req, res, url);
    // Every other request gets a SERVER span, continuing the caller's trace (W3C traceparent) if it sent one.
    const exact = this.options.routes.find((r) => r.path === url.pathname);
    const prefix = exact ? undefined : this.options.prefixRoutes?.find((r) => url.pathname.startsWith(r.path));
    const { span, context: parent } = startServerSpan(req, url, exact?.path ?? (prefix && `${prefix.path}*`), this.port);
    await context.with(trace.setSpan(parent, span), () => this.answer(req, res, url));
    endServerSpan(span, res.statusCode);
  }

  private async answer(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      if (req.method === 'GET' && url.pathname === '/metrics') return await this.metrics(res);
      if (req.method === 'GET' && url.pathname === '/livez') return sendJson(res, 200, { status: 'alive' });
      if (req.method === 'GET' && url.pathname === '/readyz') return this.readyz(res);
      const route = this.options.routes.find((r) => r.path === url.pathname)
        ?? this.options.prefixRoutes?.find((r) => url.pathname.startsWith(r.path));
      if (!route) return sendJson(res, 404, { error: 'not_found', message: `no route ${url.pathname}` });
      if (route.method !== req.method) {
        return sendJson(res, 405, { error: 'method_not_allowed', message: `use ${route.method}` }, { allow: route.method });
      }
      await route.handler(req, res, url);
    } catch (err) {
      this.options.logger.error({ err, path: url.pathname }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'internal error' });
      else res.destroy();
    }
  }

  private async metrics(res: ServerResponse): Promise<void> {
    const body = await (this.options.metricsText ?? (() => this.options.registry.metrics()))();
    res.writeHead(200, { 'content-type': this.options.registry.contentType });
    res.end(body);
  }

  private readyz(res: ServerResponse): void {
    const checks = Object.fromEntries(this.options.readiness.map((c) => [c.name, c.ready()]));
    const ready = Object.values(checks).every(Boolean);
    sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', checks });
  }
}
