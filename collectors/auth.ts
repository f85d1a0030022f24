// Bearer tokens and whom they speak for. Device credentials: shared device tokens (any device, for trials),
// per-device static tokens bound to device ids (and rings), and signed device JWTs (device in `sub`). One
// release-tooling token posts deployments. Static tokens are compared as SHA-256 digests with
// timingSafeEqual: the time a lookup takes depends only on the digest of what was presented.
import { timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '../common/runtime/clock.ts';
import { jwtKeysOf, parseTokenBindings, tokenDigest, type CredentialSettings } from './credentials.ts';
import { DeviceJwtVerifier, JWT_REFUSALS, type JwtRefusal } from './device-jwt.ts';
import { IngestError } from './reasons.ts';

export type Audience = 'device' | 'release';

export interface Principal {
  audience: Audience | 'anonymous';
  /** Rate-limit identity and dead-letter credential: never the token ("device:3", "bound:0", "jwt:dev-1"). */
  id: string;
  /** Devices this credential may post for; undefined: any (a shared token, auth off). */
  devices?: ReadonlySet<string>;
  /** Rings it may report; undefined: any. */
  rings?: ReadonlySet<string>;
}

export interface AuthSettings extends CredentialSettings {
  auth_enabled: boolean;
}

/** Why a request's credential was refused: a closed set, for the metric. */
export const AUTH_REFUSALS = ['missing_token', 'unknown_token', 'wrong_route', ...JWT_REFUSALS] as const;
export type AuthRefusal = (typeof AUTH_REFUSALS)[number];

export class AuthError extends IngestError {
  readonly refusal: AuthRefusal;
  constructor(refusal: AuthRefusal, message: string) {
    super(refusal === 'wrong_route' ? 'forbidden' : 'unauthorized', message);
    this.refusal = refusal;
  }
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(header);
  return m?.[1];
}

const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);

export class Authenticator {
  private readonly enabled: boolean;
  private readonly byDigest = new Map<string, { digest: Buffer; principal: Principal }>();
  private readonly jwt: DeviceJwtVerifier | undefined;
  /** Shared device tokens configured (each may speak for any device). */
  readonly sharedDeviceTokens: number;
  readonly boundDeviceTokens: number;

  constructor(settings: AuthSettings, clock: Clock = systemClock) {
    this.enabled = settings.auth_enabled;
    const problems: string[] = [];
    const { bindings, problems: bindingProblems } = parseTokenBindings(settings.device_token_bindings ?? []);
    const keys = jwtKeysOf(settings.device_jwt, problems);
    problems.push(...bindingProblems);
    // The configuration check reports these at start-up; this guards a caller that skipped it.
    if (problems.length) throw new Error(`collector credentials: ${problems.join('; ')}`);
    settings.device_tokens.forEach((token, i) => this.add(tokenDigest(token), { audience: 'device', id: `device:${i}` }));
    bindings.forEach((b, i) => this.add(b.digest, { audience: 'device', id: `bound:${i}`, devices: b.devices, ...(b.rings ? { rings: b.rings } : {}) }));
    // The release token wins over an equal device token: it is the more specific credential.
    if (settings.release_token) this.add(tokenDigest(settings.release_token), { audience: 'release', id: 'release' });
    this.jwt = keys && settings.device_jwt ? new DeviceJwtVerifier(keys, settings.device_jwt, clock) : undefined;
    this.sharedDeviceTokens = settings.device_tokens.length;
    this.boundDeviceTokens = bindings.length;
  }

  /** Whether any credential at all is configured (with none, every request gets 401). */
  get hasCredentials(): boolean {
    return this.byDigest.size > 0 || this.jwt !== undefined;
  }

  get jwtEnabled(): boolean {
    return this.jwt !== undefined;
  }

  /** Who is calling, if allowed on a route for `audience`; rejects with an AuthError (401 / 403) otherwise. */
  async authenticate(header: string | undefined, audience: Audience): Promise<Principal> {
    if (!this.enabled) return { audience: 'anonymous', id: 'anonymous' };
    const token = bearerToken(header);
    if (token === undefined) throw new AuthError('missing_token', 'missing bearer token');
    const principal = this.lookup(token) ?? await this.verifyJwt(token);
    if (principal.audience !== audience) {
      throw new AuthError('wrong_route', `this token may not post here (it is a ${principal.audience} token)`);
    }
    return principal;
  }

  private lookup(token: string): Principal | undefined {
    const presented = tokenDigest(token);
    const entry = this.byDigest.get(presented.toString('base64'));
    return entry && timingSafeEqual(entry.digest, presented) ? entry.principal : undefined;
  }

  private async verifyJwt(token: string): Promise<Principal> {
    if (!this.jwt || !looksLikeJwt(token)) throw new AuthError('unknown_token', 'unknown bearer token');
    const verdict = await this.jwt.verify(token);
    if (!verdict.ok) throw new AuthError(verdict.reason satisfies JwtRefusal, verdict.message);
    return { audience: 'device', id: `jwt:${verdict.deviceId}`, devices: new Set([verdict.deviceId]), ...(verdict.rings ? { rings: verdict.rings } : {}) };
  }

  private add(digest: Buffer, principal: Principal): void {
    this.byDigest.set(digest.toString('base64'), { digest, principal });
  }
}
