// Where board pages live: under /board on the board's own server, or as files for a backtest report.
// Pure. The same renderers take either set of links, so the static report is the live board, frozen.
import type { Release } from '../../common/contract/decision.ts';

export const BOARD_PATH = '/board';

export interface BoardLinks {
  /** The release list (page 1, 2, ...). */
  home(page?: number, verdict?: string): string;
  release(r: Release): string;
  ring(r: Release, ring: string): string;
  asset(name: string): string;
}

const enc = encodeURIComponent;

/** Links of the live board: absolute paths, each part percent-encoded. */
export const serverLinks: BoardLinks = {
  home: (page = 1, verdict) => {
    const q = [page > 1 ? `page=${page}` : '', verdict ? `verdict=${enc(verdict)}` : ''].filter(Boolean).join('&');
    return `${BOARD_PATH}${q ? `?${q}` : ''}`;
  },
  release: (r) => `${BOARD_PATH}/releases/${enc(r.component)}/${enc(r.version)}`,
  ring: (r, ring) => `${BOARD_PATH}/releases/${enc(r.component)}/${enc(r.version)}/${enc(ring)}`,
  asset: (name) => `${BOARD_PATH}/assets/${name}`,
};

/** A name part as a file name: letters, digits, '.', '_' and '-' kept, anything else as ~XX (no '%' to re-encode). */
export const fileSafe = (part: string): string =>
  [...Buffer.from(part, 'utf8')].map((b) => (/[A-Za-z0-9_-]/.test(String.fromCharCode(b)) || (b === 0x2e && part !== '.' && part !== '..')
    ? String.fromCharCode(b) : `~${b.toString(16).padStart(2, '0')}`)).join('');

/** Paths of a static report's files, relative to its root directory. */
export const staticFiles = {
  home: (page = 1) => (page > 1 ? `index-${page}.html` : 'index.html'),
  release: (r: Release) => `releases/${fileSafe(r.component)}/${fileSafe(r.version)}/index.html`,
  ring: (r: Release, ring: string) => `releases/${fileSafe(r.component)}/${fileSafe(r.version)}/${fileSafe(ring)}.html`,
  asset: (name: string) => `assets/${name}`,
};

/** Links of a static report page that sits `depth` directories below the report's root. */
export function staticLinks(depth: number): BoardLinks {
  const up = '../'.repeat(depth);
  return {
    home: (page = 1) => up + staticFiles.home(page),
    release: (r) => up + staticFiles.release(r),
    ring: (r, ring) => up + staticFiles.ring(r, ring),
    asset: (name) => up + staticFiles.asset(name),
  };
}

/** The board page of a release on a ring, as responders reach it (PagerDuty links, webhooks). */
export function boardUrl(boardPublicUrl: string, release: Release, ring?: string): string | undefined {
  if (!boardPublicUrl) return undefined;
  const base = boardPublicUrl.replace(/\/+$/, '');
  return base + (ring ? serverLinks.ring(release, ring) : serverLinks.release(release));
}
