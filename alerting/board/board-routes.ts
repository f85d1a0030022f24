// The board's HTTP surface, thin: parse the request (board-path.ts), build the view model from the core's
// state at this instant (pure), render it, answer. Read-only (GET only). Like the verdict API it has no
// authentication of its own: put both behind the same network policy or proxy. Every page is sent with a
// strict Content-Security-Policy (scripts and styles only from the board itself).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route } from '../../common/http/server.ts';
import { ASSET_NAMES, boardAssets } from './assets.ts';
import { parseBoardRequest } from './board-path.ts';
import type { Html } from './html.ts';
import { serverLinks } from './links.ts';
import { renderError } from './render-error.ts';
import { renderList } from './render-list.ts';
import { renderReleasePage, renderRingPage } from './render-release.ts';
import type { BoardSource } from './source.ts';
import { listView } from './view-list.ts';
import { releaseView, ringPageView } from './view-release.ts';

export interface BoardDeps {
  source: () => BoardSource;
  now: () => number;
  pageSize: number;
  maxChartPoints: number;
  maxPathBytes: number;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function send(res: ServerResponse, status: number, page: Html): void {
  const body = Buffer.from(page.text, 'utf8');
  res.writeHead(status, { ...PAGE_HEADERS, 'content-length': body.length });
  res.end(body);
}

export function boardRoutes(deps: BoardDeps): Route[] {
  const assets = boardAssets();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const r = parseBoardRequest(req.url ?? '/', deps.maxPathBytes, ASSET_NAMES);
    const error = (status: number, message: string) => send(res, status, renderError(status, message, serverLinks, deps.now()));
    if (r.kind === 'error') return error(r.status, r.message);
    if (r.kind === 'redirect') {
      res.writeHead(302, { location: r.location, 'content-length': 0 });
      res.end();
      return;
    }
    if (r.kind === 'asset') {
      const a = assets.get(r.name);
      if (!a) return error(404, 'There is no such asset.');
      res.writeHead(200, { 'content-type': a.contentType, 'content-length': a.body.length, 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' });
      res.end(a.body);
      return;
    }
    const src = deps.source();
    if (!src.health.ok && src.health.reason === 'restoring') return error(503, 'ringwatch is still reading its state back; try again in a few seconds.');
    if (r.kind === 'list') return send(res, 200, renderList(listView(src, { page: r.page, pageSize: deps.pageSize, verdict: r.verdict }), serverLinks, { filters: true }));
    if (r.kind === 'release') {
      const row = releaseView(src, r.release);
      if (!row) return error(404, 'ringwatch has no decision about this release (unknown, or forgotten after alerting.release_retention_secs).');
      return send(res, 200, renderReleasePage(row, serverLinks, src));
    }
    const view = ringPageView(src, r.release, r.ring, { maxPoints: deps.maxChartPoints });
    if (!view) return error(404, 'ringwatch has no decision about this release on this ring.');
    return send(res, 200, renderRingPage(view, serverLinks));
  };
  return [{ method: 'GET', path: '/', handler }];
}
