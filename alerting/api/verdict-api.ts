// The verdict API release tooling polls. Shape: `{"data":{"verdict":"pass|fail|inconclusive", ...}}`,
// what Argo Rollouts' web provider reads with jsonPath `{$.data}`. A bad release is a 200 with verdict
// "fail"; an unknown release is a 200 "inconclusive" (reason no_data): Argo counts HTTP errors as
// provider errors, and a release ringwatch has not seen yet is not an error but missing data. 5xx means
// only that ringwatch itself cannot answer (see health.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, type Route } from '../../common/http/server.ts';
import { VERDICTS, type Release } from '../../common/contract/decision.ts';
import type { AlerterCore } from '../core/alerter-core.ts';
import type { Health } from '../shell/health.ts';
import { worseVerdict, type VerdictView } from '../core/verdicts.ts';
import { degradedVerdict } from './degraded.ts';
import type { DegradedReason } from '../shell/health.ts';

export const VERDICTS_PATH = '/v1/verdicts';
const RETRY_AFTER_SECS = '5';

export interface VerdictDeps {
  core: AlerterCore;
  health: () => Health;
  /** Counts an inconclusive answer given because ringwatch could not judge. */
  countDegraded?: (reason: DegradedReason) => void;
  now: () => number;
  maxListItems: number;
}

function body(v: VerdictView) {
  return {
    verdict: v.verdict, reason: v.reason, release: v.release, ring: v.ring, failedRings: v.failedRings,
    explanation: v.explanation ?? null,
    decidedAt: v.decidedAt ?? null, windowEnd: v.windowEnd ?? null, incidentIds: v.incidentIds, evidence: v.cells,
  };
}

/** Verdict of a release on one ring, or across every ring it was seen on (the worst of them). */
export function verdictData(deps: VerdictDeps, release: Release, ring: string | undefined) {
  if (ring !== undefined) return body(deps.core.verdict(release, ring, deps.now()));
  const rings = deps.core.verdicts(deps.now(), release);
  if (!rings.length) return { verdict: 'inconclusive' as const, reason: 'no_data' as const, release, ring: null, failedRings: [], rings: [] };
  const worst = rings.reduce((a, b) => (worseVerdict(a.verdict, b.verdict) === a.verdict ? a : b));
  return { verdict: worst.verdict, reason: worst.reason, release, ring: null, failedRings: worst.failedRings, explanation: worst.explanation ?? null, rings: rings.map(body) };
}

/** 503 with the reason when ringwatch cannot answer; true when it did. */
export function refuseIfUnhealthy(res: ServerResponse, h: Health): boolean {
  if (h.ok) return false;
  sendJson(res, 503, { error: 'unavailable', reason: h.reason, message: 'ringwatch cannot judge releases right now' }, { 'retry-after': RETRY_AFTER_SECS });
  return true;
}

/** `/v1/verdicts/<component>/<version>`: both parts percent-encoded (they may contain '/' or '@'). */
function releaseFromPath(pathname: string): Release | undefined {
  const parts = pathname.slice(VERDICTS_PATH.length + 1).split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  try {
    return { component: decodeURIComponent(parts[0]), version: decodeURIComponent(parts[1]) };
  } catch {
    return undefined;
  }
}

const optional = (url: URL, name: string): string | undefined => url.searchParams.get(name) ?? undefined;

export function verdictRoutes(deps: VerdictDeps): { routes: Route[]; prefixRoutes: Route[] } {
  const one = async (_req: IncomingMessage, res: ServerResponse, url: URL) => {
    const release = releaseFromPath(url.pathname);
    if (!release) return sendJson(res, 400, { error: 'bad_request', message: `use ${VERDICTS_PATH}/<component>/<version>[?ring=<ring>] with percent-encoded parts` });
    const ring = optional(url, 'ring');
    const degraded = degradedVerdict(deps.health(), release, ring, deps.countDegraded);
    sendJson(res, 200, { data: degraded ?? verdictData(deps, release, ring) });
  };
  const list = async (_req: IncomingMessage, res: ServerResponse, url: URL) => {
    const verdict = optional(url, 'verdict');
    if (verdict !== undefined && !(VERDICTS as readonly string[]).includes(verdict)) {
      return sendJson(res, 400, { error: 'bad_request', message: `verdict must be one of ${VERDICTS.join(', ')}` });
    }
    if (refuseIfUnhealthy(res, deps.health())) return;
    const filter = { component: optional(url, 'component'), version: optional(url, 'version'), ring: optional(url, 'ring') };
    const all = deps.core.verdicts(deps.now(), filter).filter((v) => verdict === undefined || v.verdict === verdict);
    const data = all.slice(0, deps.maxListItems).map(body);
    sendJson(res, 200, { data, total: all.length, truncated: all.length > data.length });
  };
  return {
    routes: [{ method: 'GET', path: VERDICTS_PATH, handler: list }],
    prefixRoutes: [{ method: 'GET', path: `${VERDICTS_PATH}/`, handler: one }],
  };
}
