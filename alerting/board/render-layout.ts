// The page shell every board page shares: landmarks (banner, navigation, main, contentinfo), a skip link,
// the stylesheet and the charting scripts served from the board's own assets (no CDN), and small
// formatting helpers. Everything interpolated goes through `html`, which escapes.
import type { Verdict } from '../../common/contract/decision.ts';
import { html, type Html, type Interpolation } from './html.ts';
import type { BoardLinks } from './links.ts';
import type { BoardSource } from './source.ts';

export interface Crumb {
  label: string;
  href?: string;
}

export interface PageOptions {
  title: string;
  links: BoardLinks;
  crumbs: Crumb[];
  now: number;
  origin: BoardSource['origin'];
  health?: BoardSource['health'];
  charts?: boolean;
}

export function page(o: PageOptions, body: Interpolation): Html {
  const scripts = o.charts ? html`<script src="${o.links.asset('uPlot.iife.min.js')}" defer></script>
<script src="${o.links.asset('board-chart.js')}" defer></script>` : '';
  const crumbs = o.crumbs.map((c, i) => {
    const last = i === o.crumbs.length - 1;
    return html`<li>${c.href && !last ? html`<a href="${c.href}">${c.label}</a>` : html`<span${last ? html` aria-current="page"` : ''}>${c.label}</span>`}</li>`;
  });
  const banner = o.health && !o.health.ok
    ? html`<p class="banner" role="alert">ringwatch is not caught up (${o.health.reason ?? 'unknown'}): what this page shows may be behind.</p>` : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${o.title} · ringwatch</title>
<link rel="stylesheet" href="${o.links.asset('uPlot.min.css')}">
<link rel="stylesheet" href="${o.links.asset('board.css')}">
${scripts}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<p class="brand"><a href="${o.links.home()}">ringwatch · release safety board</a>${o.origin === 'backtest' ? html` <span class="origin">backtest report</span>` : ''}</p>
<nav aria-label="Breadcrumb"><ol class="crumbs">${crumbs}</ol></nav>
</header>
${banner}
<main id="main" tabindex="-1">
${body}
</main>
<footer><p>${o.origin === 'backtest' ? 'Replayed history, as of virtual time' : 'As of'} <time datetime="${iso(o.now)}">${when(iso(o.now))}</time>. Read-only.</p></footer>
</body>
</html>
`;
}

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : '');

/** An ISO time as people read it: "2024-07-19 04:09:01 UTC". */
export function when(isoTime: string | undefined): string {
  if (!isoTime) return '–';
  const t = Date.parse(isoTime);
  return Number.isFinite(t) ? `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC` : isoTime;
}

export const timeTag = (isoTime: string | undefined): Html => (isoTime ? html`<time datetime="${isoTime}">${when(isoTime)}</time>` : html`–`);

/** A duration in the largest unit that reads well: "42 s", "7 min", "3.5 h", "2.1 d". */
export function age(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const s = Math.max(0, ms / 1000);
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

const GROUPED = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A number for people: small p-values in exponent form, large counts grouped. */
export function num(n: unknown): string {
  if (typeof n !== 'number') return String(n);
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return GROUPED.format(n);
  const a = Math.abs(n);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return n.toExponential(2);
  return String(Math.round(n * 1000) / 1000);
}

/** The verdict as text with its colour (never colour alone). */
export const verdictBadge = (v: Verdict, reason?: string): Html =>
  html`<span class="verdict verdict-${v}">${v}</span>${reason ? html` <span class="reason">${reason}</span>` : ''}`;
