// Device credentials as configured: per-device static token bindings and the public keys (or HS256 secret)
// device JWTs are verified with. Parsed once; the same parse reports configuration problems at start-up
// (with their setting's path, never a token, a hash or a key in the text).
import { createHash, createPublicKey, X509Certificate, type JsonWebKey } from 'node:crypto';
import { ID_PATTERN, MAX_ID_CHARS, MAX_RING_CHARS, RING_PATTERN } from '../common/contract/limits.ts';
import type { JWT_ALGORITHMS } from './config.ts';

export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export interface DeviceJwtSettings {
  issuer: string;
  audience: string;
  algorithms: JwtAlgorithm[];
  clock_tolerance_secs: number;
  rings_claim: string;
  jwks?: string;
  jwks_file?: string;
  pem_public_keys?: string;
  pem_public_keys_file?: string;
  hs256_secret?: string;
}

export interface CredentialSettings {
  device_tokens: string[];
  release_token?: string;
  device_token_bindings?: string[];
  device_jwt?: DeviceJwtSettings;
}

/** A per-device static token: its SHA-256 digest and what it may speak for. */
export interface TokenBinding {
  digest: Buffer;
  devices: ReadonlySet<string>;
  /** Undefined: any ring. */
  rings?: ReadonlySet<string>;
}

const ID_RE = new RegExp(ID_PATTERN);
const RING_RE = new RegExp(RING_PATTERN);
export const isDeviceId = (s: string) => s.length <= MAX_ID_CHARS && ID_RE.test(s);
export const isRing = (s: string) => s.length <= MAX_RING_CHARS && RING_RE.test(s);
export const tokenDigest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** `<sha256 hex> <device>[,<device>...] [rings=<ring>[,<ring>...]]`; blank lines and # comments are skipped. */
export function parseTokenBindings(lines: string[]): { bindings: TokenBinding[]; problems: string[] } {
  const bindings: TokenBinding[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const at = `collector.device_token_bindings[${i}]`;
    const [hash, devices, rings, ...rest] = line.split(/\s+/);
    if (!/^(sha256:)?[0-9a-fA-F]{64}$/.test(hash)) return void problems.push(`${at}: must start with the SHA-256 of the token (64 hex digits)`);
    const hex = hash.replace(/^sha256:/, '').toLowerCase();
    const ids = (devices ?? '').split(',').filter(Boolean);
    if (!ids.length || !ids.every(isDeviceId)) return void problems.push(`${at}: needs one or more device ids (comma-separated, each as the contract's deviceId)`);
    if (rings !== undefined && !/^rings=/.test(rings)) return void problems.push(`${at}: the third field must be rings=<ring>[,<ring>...]`);
    const ringList = rings?.slice('rings='.length).split(',').filter(Boolean);
    if (ringList && (!ringList.length || !ringList.every(isRing))) return void problems.push(`${at}: rings must be ring names (${RING_PATTERN})`);
    if (rest.length) return void problems.push(`${at}: unexpected text after the rings`);
    if (seen.has(hex)) return void problems.push(`${at}: the same token is bound twice`);
    seen.add(hex);
    bindings.push({ digest: Buffer.from(hex, 'hex'), devices: new Set(ids), ...(ringList ? { rings: new Set(ringList) } : {}) });
  });
  return { bindings, problems };
}

export interface JwtKeys {
  /** Public keys (from jwks and pem_public_keys), as a JSON Web Key Set. */
  jwks: { keys: JsonWebKey[] };
  hs256Secret?: Uint8Array;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function pemKeys(text: string, problems: string[], at: string): JsonWebKey[] {
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (!blocks.length) problems.push(`${at}: no PEM block (-----BEGIN PUBLIC KEY----- or CERTIFICATE)`);
  const keys: JsonWebKey[] = [];
  blocks.forEach(([pem, label], i) => {
    try {
      if (label === 'CERTIFICATE') keys.push(new X509Certificate(pem).publicKey.export({ format: 'jwk' }));
      else if (label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY') keys.push(createPublicKey(pem).export({ format: 'jwk' }));
      else problems.push(`${at}: block ${i + 1} is a ${/PRIVATE/.test(label) ? 'private key: configure the public key only' : `${label}, not a public key`}`);
    } catch {
      problems.push(`${at}: block ${i + 1} is not a readable public key`);
    }
  });
  return keys;
}

function jwksKeys(text: string, problems: string[], at: string): JsonWebKey[] {
  let set: unknown;
  try { set = JSON.parse(text); } catch { set = undefined; }
  const keys = (set as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || !keys.length) {
    problems.push(`${at}: not a JSON Web Key Set ({"keys": [...]} with at least one key)`);
    return [];
  }
  return keys.filter((jwk: JsonWebKey & { d?: unknown; k?: unknown }, i) => {
    const bad = typeof jwk !== 'object' || jwk === null ? 'is not an object'
      : jwk.kty === 'oct' ? 'is a symmetric key: use hs256_secret for a shared secret'
        : jwk.d !== undefined ? 'holds a private key: publish the public key only' : undefined;
    if (bad) return void problems.push(`${at}: key ${i} ${bad}`);
    try {
      createPublicKey({ key: jwk, format: 'jwk' });
      return true;
    } catch {
      return void problems.push(`${at}: key ${i} is not a usable public key`);
    }
  });
}

/** Key material of device JWTs; undefined when none is configured (device JWTs are off). */
export function jwtKeysOf(s: DeviceJwtSettings | undefined, problems: string[] = []): JwtKeys | undefined {
  if (!s || !(s.jwks || s.pem_public_keys || s.hs256_secret)) return undefined;
  const base = 'collector.device_jwt';
  const from = (key: 'jwks' | 'pem_public_keys') => `${base}.${key}${s[`${key}_file`] ? ' (read from its _file)' : ''}`;
  const keys = [...(s.jwks ? jwksKeys(s.jwks, problems, from('jwks')) : []), ...(s.pem_public_keys ? pemKeys(s.pem_public_keys, problems, from('pem_public_keys')) : [])];
  if (!s.issuer) problems.push(`${base}.issuer: required when device JWTs are on (a key is configured)`);
  if (!s.audience) problems.push(`${base}.audience: required when device JWTs are on (a key is configured)`);
  const hs = s.algorithms.includes('HS256');
  if (s.hs256_secret && Buffer.byteLength(s.hs256_secret) < 32) problems.push(`${base}.hs256_secret: must be at least 32 bytes (RFC 7518 3.2)`);
  if (s.hs256_secret && !hs) problems.push(`${base}.algorithms: must list HS256 when hs256_secret is set`);
  if (hs && !s.hs256_secret) problems.push(`${base}.algorithms: HS256 is listed but hs256_secret is not set`);
  if (!keys.length && !s.hs256_secret) problems.push(`${base}: no usable key`);
  return { jwks: { keys }, ...(s.hs256_secret ? { hs256Secret: new TextEncoder().encode(s.hs256_secret) } : {}) };
}

/** Every problem of the credential settings, for the configuration check at start-up. */
export function credentialProblems(s: CredentialSettings): string[] {
  const { bindings, problems } = parseTokenBindings(s.device_token_bindings ?? []);
  jwtKeysOf(s.device_jwt, problems);
  const shared = new Set([...s.device_tokens, ...(s.release_token ? [s.release_token] : [])].map((t) => tokenDigest(t).toString('hex')));
  if (bindings.some((b) => shared.has(b.digest.toString('hex')))) {
    problems.push('collector.device_token_bindings: a bound token is also a shared device token or the release token');
  }
  return problems;
}
