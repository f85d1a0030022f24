// The board's static files: its stylesheet and chart script (alerting/board/assets/) and uPlot's build
// from the `uplot` npm package in node_modules. Read once, served by the board itself (no CDN: the page
// works on a network without internet) and copied into backtest reports.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  contentType: string;
}

const require = createRequire(import.meta.url);
const uplotDist = (file: string) => require.resolve(`uplot/dist/${file}`);
const own = (file: string) => fileURLToPath(new URL(`./assets/${file}`, import.meta.url));

const FILES: Record<string, { path: () => string; contentType: string }> = {
  'uPlot.iife.min.js': { path: () => uplotDist('uPlot.iife.min.js'), contentType: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { path: () => uplotDist('uPlot.min.css'), contentType: 'text/css; charset=utf-8' },
  'board-chart.js': { path: () => own('board-chart.js'), contentType: 'text/javascript; charset=utf-8' },
  'board.css': { path: () => own('board.css'), contentType: 'text/css; charset=utf-8' },
};

export const ASSET_NAMES = Object.keys(FILES);

let cache: Map<string, Asset> | undefined;

/** Every asset by name; throws at start (not on a request) when the uplot package is missing. */
export function boardAssets(): Map<string, Asset> {
  cache ??= new Map(Object.entries(FILES).map(([name, f]) => [name, { body: readFileSync(f.path()), contentType: f.contentType }]));
  return cache;
}
