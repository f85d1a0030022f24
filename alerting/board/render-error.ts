// A clear error page for bad input (unknown release, malformed ring, overlong path, ...): the status, what
// was wrong in words, a way back. What the request contained is never echoed, so nothing can be injected.
import { html, type Html } from './html.ts';
import type { BoardLinks } from './links.ts';
import { page } from './render-layout.ts';

const TITLES: Record<number, string> = { 400: 'Bad request', 404: 'Not found', 405: 'Method not allowed', 414: 'Path too long', 503: 'Not ready' };

export function renderError(status: number, message: string, links: BoardLinks, now: number): Html {
  const title = TITLES[status] ?? 'Error';
  return page({ title: `${status} ${title}`, links, crumbs: [{ label: 'Releases', href: links.home() }, { label: title }], now, origin: 'live' },
    html`<h1>${status} ${title}</h1><p class="error-message">${message}</p><p><a href="${links.home()}">Back to the release list</a></p>`);
}
