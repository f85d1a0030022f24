// A local stand-in for PagerDuty's Events API v2 and for a release-bot webhook, so the demo delivers its
// page and its halt over real HTTP on a machine without any external service. It accepts what the
// alerter sends (202, like PagerDuty), keeps it, and tells the display as it arrives.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const PAGER_PATHS = { events: '/v2/enqueue', changes: '/v2/change/enqueue', webhook: '/hooks/release-bot' } as const;
export type PagerPath = (typeof PAGER_PATHS)[keyof typeof PAGER_PATHS];

/** Bodies beyond PagerDuty's own 512 KB event limit are refused (integrations.md). */
const MAX_BODY_BYTES = 512 * 1024;

export interface PagerDelivery {
  path: PagerPath;
  atMs: number;
  body: Record<string, any>;
}

export class LocalPager {
  readonly received: PagerDelivery[] = [];
  private server: Server | undefined;
  private readonly onDelivery: (d: PagerDelivery) => void;
  port = 0;

  constructor(onDelivery: (d: PagerDelivery) => void = () => {}) {
    this.onDelivery = onDelivery;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const known = new Set<string>(Object.values(PAGER_PATHS));
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => { size += c.length; if (size <= MAX_BODY_BYTES) chunks.push(c); });
      req.on('end', () => {
        const path = req.url ?? '';
        let body: Record<string, any> | undefined;
        try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { body = undefined; }
        const ok = req.method === 'POST' && known.has(path) && size <= MAX_BODY_BYTES && typeof body === 'object' && body !== null;
        res.writeHead(ok ? 202 : 400, { 'content-type': 'application/json' });
        res.end(JSON.stringify(ok ? { status: 'success', message: 'Event processed (local stand-in)' } : { status: 'invalid event' }));
        if (!ok) return;
        const delivery = { path: path as PagerPath, atMs: Date.now(), body: body as Record<string, any> };
        this.received.push(delivery);
        this.onDelivery(delivery);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** PagerDuty trigger events (the pages). */
  triggers(): PagerDelivery[] {
    return this.received.filter((d) => d.path === PAGER_PATHS.events && d.body.event_action === 'trigger');
  }
}
