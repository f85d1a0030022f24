// Signed device tokens: a JWT from the fleet's identity issuer, its device in `sub`, optionally the rings it
// may report in a claim. Verified with jose: algorithm allow-list (never `none`), issuer, audience, exp
// required, nbf, clock tolerance, keys chosen from the configured set by `kid`/`alg` (jose's local JWKS).
// A refusal carries a reason from a closed set and never the token or any of its claims.
import { createLocalJWKSet, errors, jwtVerify, type CryptoKey, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../common/runtime/clock.ts';
import { isDeviceId, isRing, type DeviceJwtSettings, type JwtKeys } from './credentials.ts';

export const JWT_REFUSALS = ['token_expired', 'token_not_yet_valid', 'wrong_issuer', 'wrong_audience', 'alg_not_allowed', 'bad_signature', 'invalid_token'] as const;
export type JwtRefusal = (typeof JWT_REFUSALS)[number];

export type JwtVerdict =
  | { ok: true; deviceId: string; rings?: ReadonlySet<string> }
  | { ok: false; reason: JwtRefusal; message: string };

const MESSAGES: Record<JwtRefusal, string> = {
  token_expired: 'device token has expired',
  token_not_yet_valid: 'device token is not valid yet (nbf)',
  wrong_issuer: 'device token was not issued by the configured issuer',
  wrong_audience: 'device token is not meant for this collector (aud)',
  alg_not_allowed: 'device token is signed with an algorithm that is not allowed',
  bad_signature: 'device token is not signed by a configured key',
  invalid_token: 'device token is not a valid JWT with sub and exp',
};

const refuse = (reason: JwtRefusal, message = MESSAGES[reason]): JwtVerdict => ({ ok: false, reason, message });

/** A jose error as one of our reasons (jose verifies the signature before it looks at any claim). */
function reasonOf(err: unknown): JwtRefusal {
  const { code, claim } = (err ?? {}) as { code?: string; claim?: string };
  if (code === errors.JWTExpired.code) return 'token_expired';
  if (code === errors.JWTClaimValidationFailed.code) {
    return claim === 'iss' ? 'wrong_issuer' : claim === 'aud' ? 'wrong_audience' : claim === 'nbf' ? 'token_not_yet_valid' : 'invalid_token';
  }
  if (code === errors.JOSEAlgNotAllowed.code || code === errors.JOSENotSupported.code) return 'alg_not_allowed';
  if (code === errors.JWSSignatureVerificationFailed.code || code === errors.JWKSNoMatchingKey.code) return 'bad_signature';
  return 'invalid_token';
}

function ringsOf(claim: unknown): ReadonlySet<string> | undefined | false {
  if (claim === undefined) return undefined;
  const list = typeof claim === 'string' ? [claim] : claim;
  if (!Array.isArray(list) || !list.length || !list.every((r) => typeof r === 'string' && isRing(r))) return false;
  return new Set(list as string[]);
}

export class DeviceJwtVerifier {
  private readonly getKey: JWTVerifyGetKey;
  private readonly s: DeviceJwtSettings;
  private readonly clock: Clock;

  constructor(keys: JwtKeys, settings: DeviceJwtSettings, clock: Clock) {
    this.s = settings;
    this.clock = clock;
    const set = keys.jwks.keys.length ? createLocalJWKSet(keys.jwks as JSONWebKeySet) : undefined;
    const secret = keys.hs256Secret;
    // The HMAC secret only ever for HS256, and public keys only for the others: no key confusion.
    this.getKey = async (header, token) => {
      if (header.alg === 'HS256') {
        if (secret) return secret;
      } else if (set) {
        return set(header, token);
      }
      throw new errors.JWKSNoMatchingKey();
    };
  }

  async verify(token: string): Promise<JwtVerdict> {
    let payload: JWTPayload;
    try {
      payload = await this.verified(token);
    } catch (err) {
      return refuse(reasonOf(err));
    }
    const sub = payload.sub;
    if (typeof sub !== 'string' || !isDeviceId(sub)) return refuse('invalid_token', 'device token sub is not a device id');
    const rings = ringsOf(payload[this.s.rings_claim]);
    if (rings === false) return refuse('invalid_token', `device token ${this.s.rings_claim} claim must be a ring or a list of rings`);
    return { ok: true, deviceId: sub, ...(rings ? { rings } : {}) };
  }

  private async verified(token: string): Promise<JWTPayload> {
    const options = {
      issuer: this.s.issuer,
      audience: this.s.audience,
      algorithms: this.s.algorithms,
      clockTolerance: this.s.clock_tolerance_secs,
      requiredClaims: ['sub', 'exp'],
      currentDate: new Date(this.clock.now()),
    };
    try {
      return (await jwtVerify(token, this.getKey, options)).payload;
    } catch (err) {
      // Several keys fit (PEM keys carry no kid): jose hands them over one by one (its documented way).
      if ((err as { code?: string })?.code !== errors.JWKSMultipleMatchingKeys.code) throw err;
      for await (const key of err as AsyncIterable<CryptoKey>) {
        try {
          return (await jwtVerify(token, key, options)).payload;
        } catch (inner) {
          if ((inner as { code?: string })?.code !== errors.JWSSignatureVerificationFailed.code) throw inner;
        }
      }
      throw new errors.JWSSignatureVerificationFailed();
    }
  }
}
