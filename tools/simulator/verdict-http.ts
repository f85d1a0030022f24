// Reads ringwatch's verdict API the way Argo Rollouts' web metric provider does: GET a URL, take
// `data.verdict`. Anything but a 200 with pass / fail / inconclusive is a read error, never a "fail"
// (integrations.md: a 5xx means ringwatch is broken, not that the release is bad).
import { VERDICTS, type Verdict } from '../../common/contract/decision.ts';
import type { VerdictQuery } from './release-tool.ts';
import type { VerdictSource } from './simulation.ts';

/** Where alerting serves verdicts (alerting/role.ts); {component}, {version} and {ring} are filled in. */
export const DEFAULT_VERDICT_URL = 'http://127.0.0.1:8082/v1/verdicts/{component}/{version}?ring={ring}';

export const VERDICT_READ_FAILURES = ['network', 'status', 'body'] as const;
export type VerdictReadFailure = (typeof VERDICT_READ_FAILURES)[number];

export class VerdictReadError extends Error {
  readonly failure: VerdictReadFailure;
  constructor(failure: VerdictReadFailure, message: string) {
    super(message);
    this.name = 'VerdictReadError';
    this.failure = failure;
  }
}

export function verdictUrl(template: string, q: Pick<VerdictQuery, 'component' | 'version' | 'ring'>): string {
  return template
    .replaceAll('{component}', encodeURIComponent(q.component))
    .replaceAll('{version}', encodeURIComponent(q.version))
    .replaceAll('{ring}', encodeURIComponent(q.ring));
}

export interface VerdictHttpOptions {
  timeoutMs: number;
  /** Bearer token, if the verdict API asks for one. */
  token?: string;
  fetch?: typeof fetch;
}

export async function readVerdict(template: string, q: VerdictQuery, options: VerdictHttpOptions): Promise<Verdict> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(verdictUrl(template, q), { headers, signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (err) {
    throw new VerdictReadError('network', `verdict API unreachable: ${(err as Error).name}`);
  }
  if (res.status !== 200) {
    await res.arrayBuffer().catch(() => undefined);
    throw new VerdictReadError('status', `verdict API answered ${res.status}`);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new VerdictReadError('body', 'verdict API answer is not JSON');
  }
  const verdict = (body as { data?: { verdict?: unknown } } | null)?.data?.verdict;
  if (typeof verdict !== 'string' || !(VERDICTS as readonly string[]).includes(verdict)) {
    throw new VerdictReadError('body', 'verdict API answer has no data.verdict of pass, fail or inconclusive');
  }
  return verdict as Verdict;
}

export function httpVerdictSource(template: string, options: VerdictHttpOptions): VerdictSource {
  return (q) => readVerdict(template, q, options);
}
