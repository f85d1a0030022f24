// Flagger webhooks (fluxcd/flagger docs/gitbook/usage/webhooks.md). Flagger POSTs
// `{name, namespace, phase, checksum, metadata:{string:string}}`; ringwatch reads the release from
// metadata `component`, `version` and (optionally) `ring`.
// - rollback hook (inverted): 200 = roll back now (verdict fail), 403 = carry on.
// - confirm-promotion gate: 200 = promote (verdict pass only), 403 = hold.
// When ringwatch cannot judge, the verdict is inconclusive with the reason (degraded.ts), so the rollback
// hook answers 403 (carry on) and the gate 403 (hold): the safe side of both (no action on no knowledge).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Type } from '@sinclair/typebox';
import { sendJson, type Route } from '../../common/http/server.ts';
import { compileValidator } from '../../common/contract/validate.ts';
import { ID_PATTERN, MAX_ID_CHARS } from '../../common/contract/limits.ts';
import { verdictData, type VerdictDeps } from './verdict-api.ts';
import { degradedVerdict } from './degraded.ts';

export const ROLLBACK_PATH = '/v1/flagger/rollback';
export const CONFIRM_PROMOTION_PATH = '/v1/flagger/confirm-promotion';

const Id = Type.String({ minLength: 1, maxLength: MAX_ID_CHARS, pattern: ID_PATTERN });
// Top level stays open: Flagger adds fields across versions and a gate must not break on them.
const HookSchema = Type.Object({
  name: Type.String({ maxLength: 253 }),
  namespace: Type.String({ maxLength: 253 }),
  phase: Type.String({ maxLength: 64 }),
  checksum: Type.Optional(Type.String({ maxLength: 256 })),
  metadata: Type.Object({ component: Id, version: Id, ring: Type.Optional(Type.String({ maxLength: 64 })) }),
});
const validateHook = compileValidator<{ metadata: { component: string; version: string; ring?: string } }>(HookSchema);

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

type Judge = (verdict: string) => boolean;

function hook(deps: VerdictDeps, maxBodyBytes: number, yes: Judge, answer: (yes: boolean) => string) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse((await readBody(req, maxBodyBytes)).toString('utf8'));
    } catch (err) {
      if (err instanceof BodyTooLarge) return sendJson(res, 413, { error: 'too_large', message: `body over ${maxBodyBytes} bytes` });
      return sendJson(res, 400, { error: 'bad_request', message: 'body is not JSON' });
    }
    const valid = validateHook(parsed);
    if (!valid.ok) return sendJson(res, 400, { error: 'bad_request', message: 'invalid Flagger payload', errors: valid.errors });
    const { component, version, ring } = valid.value.metadata;
    const data = degradedVerdict(deps.health(), { component, version }, ring, deps.countDegraded) ?? verdictData(deps, { component, version }, ring);
    const ok = yes(data.verdict);
    sendJson(res, ok ? 200 : 403, { decision: answer(ok), data });
  };
}

export function flaggerRoutes(deps: VerdictDeps, maxBodyBytes: number): Route[] {
  return [
    { method: 'POST', path: ROLLBACK_PATH, handler: hook(deps, maxBodyBytes, (v) => v === 'fail', (y) => (y ? 'rollback' : 'carry_on')) },
    { method: 'POST', path: CONFIRM_PROMOTION_PATH, handler: hook(deps, maxBodyBytes, (v) => v === 'pass', (y) => (y ? 'promote' : 'hold')) },
  ];
}
