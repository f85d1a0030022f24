// A stand-in for the fleet's identity issuer: key pairs, their JWKS / PEM, and signed device tokens.
import { createHash } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export const ISSUER = 'https://identity.fleet.example';
export const AUDIENCE = 'ringwatch-collector';

export interface IssuerKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
  pem: string;
}

export async function issuerKey(alg: 'RS256' | 'ES256' | 'EdDSA', kid: string): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, pem: await exportSPKI(publicKey) };
}

export const jwksOf = (...keys: IssuerKey[]) => JSON.stringify({ keys: keys.map((k) => k.jwk) });

export interface TokenOptions {
  sub?: string;
  iss?: string;
  aud?: string;
  /** Seconds from now (negative: already expired). */
  expiresInSecs?: number | null;
  notBeforeSecs?: number;
  rings?: unknown;
  kid?: string | null;
  nowMs?: number;
}

/** A device JWT signed with `key` (claims as the issuer would put them, each overridable). */
export async function deviceToken(key: { privateKey: CryptoKey | Uint8Array; alg: string; kid?: string }, o: TokenOptions = {}): Promise<string> {
  const now = Math.floor((o.nowMs ?? Date.now()) / 1000);
  const claims: Record<string, unknown> = o.rings === undefined ? {} : { ringwatch_rings: o.rings };
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, typ: 'JWT', ...(o.kid === null ? {} : { kid: o.kid ?? key.kid }) })
    .setIssuer(o.iss ?? ISSUER)
    .setAudience(o.aud ?? AUDIENCE)
    .setIssuedAt(now);
  if (o.sub !== '') jwt.setSubject(o.sub ?? 'dev-00001');
  if (o.expiresInSecs !== null) jwt.setExpirationTime(now + (o.expiresInSecs ?? 3600));
  if (o.notBeforeSecs !== undefined) jwt.setNotBefore(now + o.notBeforeSecs);
  return jwt.sign(key.privateKey);
}

/** A device_token_bindings line for `token`. */
export const binding = (token: string, devices: string[], rings?: string[]) =>
  `${createHash('sha256').update(token).digest('hex')} ${devices.join(',')}${rings ? ` rings=${rings.join(',')}` : ''}`;
