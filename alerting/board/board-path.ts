// What a board request asks for, pure: the release list (page, verdict filter), a release, a release on a
// ring, or an asset; anything else is a 4xx with a message in words. Release parts are percent-encoded
// path segments checked against the event contract's identifier rules, so no name the pipeline could
// never have produced (markup, control characters, '__proto__') gets any further.
import { VERDICTS, type Release, type Verdict } from '../../common/contract/decision.ts';
import { ID_PATTERN, MAX_ID_CHARS, MAX_RING_CHARS, RING_PATTERN } from '../../common/contract/limits.ts';
import { BOARD_PATH } from './links.ts';

export type BoardRequest =
  | { kind: 'list'; page: number; verdict?: Verdict }
  | { kind: 'release'; release: Release }
  | { kind: 'ring'; release: Release; ring: string }
  | { kind: 'asset'; name: string }
  | { kind: 'redirect'; location: string }
  | { kind: 'error'; status: 400 | 404 | 414; message: string };

const ID = new RegExp(ID_PATTERN);
const RING = new RegExp(RING_PATTERN);
const MAX_PAGE = 1_000_000;

const bad = (message: string): BoardRequest => ({ kind: 'error', status: 400, message });

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

function releaseOf(c: string, v: string): Release | string {
  const component = decode(c);
  const version = decode(v);
  if (component === undefined || version === undefined) return 'The release name is not valid percent-encoding.';
  if (component.length > MAX_ID_CHARS || version.length > MAX_ID_CHARS) return `Component and version are at most ${MAX_ID_CHARS} characters.`;
  if (!ID.test(component)) return 'The component name has characters a component never has (letters, digits and . _ : / @ + - only).';
  if (!ID.test(version)) return 'The version has characters a version never has (letters, digits and . _ : / @ + - only).';
  return { component, version };
}

/** `rawTarget` is the request target as sent (its length is bounded before anything is decoded). */
export function parseBoardRequest(rawTarget: string, maxTargetBytes: number, assetNames: readonly string[]): BoardRequest {
  if (Buffer.byteLength(rawTarget) > maxTargetBytes) return { kind: 'error', status: 414, message: `The request path is longer than ${maxTargetBytes} bytes (alerting.board_max_path_bytes).` };
  let url: URL;
  try {
    url = new URL(rawTarget, 'http://board.invalid');
  } catch {
    return bad('The request path is not a valid URL path.');
  }
  const path = url.pathname;
  if (path === '/' || path === '') return { kind: 'redirect', location: BOARD_PATH };
  if (path !== BOARD_PATH && !path.startsWith(`${BOARD_PATH}/`)) return { kind: 'error', status: 404, message: 'There is no such page: the board is under /board.' };
  const parts = path.slice(BOARD_PATH.length).split('/').filter((p, i) => i > 0 || p !== '');
  if (parts.at(-1) === '') parts.pop();
  if (!parts.length) {
    const pageText = url.searchParams.get('page') ?? '1';
    const page = Number(pageText);
    if (!/^\d{1,7}$/.test(pageText) || page < 1 || page > MAX_PAGE) return bad('page must be a whole number from 1.');
    const verdict = url.searchParams.get('verdict') ?? undefined;
    if (verdict !== undefined && !(VERDICTS as readonly string[]).includes(verdict)) return bad(`verdict must be one of ${VERDICTS.join(', ')}.`);
    return { kind: 'list', page, ...(verdict ? { verdict: verdict as Verdict } : {}) };
  }
  if (parts[0] === 'assets') {
    if (parts.length === 2 && assetNames.includes(parts[1])) return { kind: 'asset', name: parts[1] };
    return { kind: 'error', status: 404, message: 'There is no such asset.' };
  }
  if (parts[0] !== 'releases') return { kind: 'error', status: 404, message: 'There is no such page.' };
  if (parts.length !== 3 && parts.length !== 4) return bad('Use /board/releases/<component>/<version>[/<ring>] with each part percent-encoded.');
  const release = releaseOf(parts[1], parts[2]);
  if (typeof release === 'string') return bad(release);
  if (parts.length === 3) return { kind: 'release', release };
  const ring = decode(parts[3]);
  if (ring === undefined || ring.length > MAX_RING_CHARS || !RING.test(ring)) {
    return bad(`A ring name is lower-case letters, digits, '_' and '-', at most ${MAX_RING_CHARS} characters.`);
  }
  return { kind: 'ring', release, ring };
}
