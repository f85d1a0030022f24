// Device identity bound to the credential, without sockets or Kafka: signed device JWTs (expired, wrong
// issuer or audience, wrong or disallowed algorithm, wrong key, rings), per-device static tokens, the
// per-event check of the pure core, and what the configuration refuses at start-up.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnsecuredJWT, generateKeyPair, exportPKCS8 } from 'jose';
import { acceptEvents } from '../../collectors/accept.ts';
import { Authenticator, type AuthSettings } from '../../collectors/auth.ts';
import { ConfigError } from '../../common/config/load.ts';
import { buildConfig, redactConfig } from '../../app/config.ts';
import { ManualClock } from '../../common/runtime/clock.ts';
import { heartbeat } from '../../tools/bench/ingest/events.ts';
import { AUDIENCE, ISSUER, binding, deviceToken, issuerKey, jwksOf, type IssuerKey } from './support/device-identity.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const policy = { maxFutureSkewMs: 86_400_000, maxPastAgeMs: 86_400_000 };

function jwtSettings(extra: Partial<NonNullable<AuthSettings['device_jwt']>>): AuthSettings['device_jwt'] {
  return { issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256', 'ES256', 'EdDSA'], clock_tolerance_secs: 60, rings_claim: 'ringwatch_rings', ...extra };
}

const problemsOf = (collector: Record<string, unknown>): string[] => {
  try {
    buildConfig({ collector }, {});
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  return [];
};

describe('signed device tokens (JWT)', () => {
  let rsa: IssuerKey;
  let ec: IssuerKey;
  let stranger: IssuerKey;
  let auth: Authenticator;
  const clock = new ManualClock(NOW);
  const token = (key: IssuerKey, o: Parameters<typeof deviceToken>[1] = {}) => deviceToken(key, { nowMs: NOW, ...o });
  const refusal = async (jwt: string, on = auth) => (await on.authenticate(`Bearer ${jwt}`, 'device').then(() => 'accepted', (err: { refusal?: string; status?: number; message: string }) => `${err.status} ${err.refusal}`));

  before(async () => {
    [rsa, ec, stranger] = await Promise.all([issuerKey('RS256', 'k-rsa'), issuerKey('ES256', 'k-ec'), issuerKey('RS256', 'k-rsa')]);
    auth = new Authenticator({ auth_enabled: true, device_tokens: [], device_jwt: jwtSettings({ jwks: jwksOf(rsa, ec), algorithms: ['RS256', 'ES256'] }) }, clock);
  });

  it('names the device in sub, and the rings in the rings claim', async () => {
    assert.deepEqual(await auth.authenticate(`Bearer ${await token(rsa, { sub: 'dev-A' })}`, 'device'), { audience: 'device', id: 'jwt:dev-A', devices: new Set(['dev-A']) });
    const ringed = await auth.authenticate(`Bearer ${await token(ec, { sub: 'dev-B', rings: ['canary', 'early'] })}`, 'device');
    assert.deepEqual([ringed.devices, ringed.rings], [new Set(['dev-B']), new Set(['canary', 'early'])]);
    assert.deepEqual((await auth.authenticate(`Bearer ${await token(rsa, { rings: 'broad' })}`, 'device')).rings, new Set(['broad']));
  });

  it('refuses expired and not-yet-valid tokens, beyond the clock tolerance only', async () => {
    assert.equal(await refusal(await token(rsa, { expiresInSecs: -61 })), '401 token_expired');
    assert.equal(await refusal(await token(rsa, { expiresInSecs: -30 })), 'accepted', 'within clock_tolerance_secs');
    assert.equal(await refusal(await token(rsa, { notBeforeSecs: 600 })), '401 token_not_yet_valid');
    assert.equal(await refusal(await token(rsa, { expiresInSecs: null })), '401 invalid_token', 'exp is required');
  });

  it('refuses a token of another issuer or for another audience', async () => {
    assert.equal(await refusal(await token(rsa, { iss: 'https://evil.example' })), '401 wrong_issuer');
    assert.equal(await refusal(await token(rsa, { aud: 'some-other-service' })), '401 wrong_audience');
  });

  it('refuses a signature by a key that is not configured, even under a configured kid', async () => {
    assert.equal(await refusal(await token(stranger)), '401 bad_signature');
    assert.equal(await refusal(await token(stranger, { kid: 'k-unknown' })), '401 bad_signature');
  });

  it('refuses algorithms off the allow-list, `none`, and HS256 signed with a public key as the secret', async () => {
    const ed = await issuerKey('EdDSA', 'k-ed');
    const allowingEd = new Authenticator({ auth_enabled: true, device_tokens: [], device_jwt: jwtSettings({ jwks: jwksOf(rsa, ed), algorithms: ['RS256'] }) }, clock);
    assert.equal(await refusal(await token(ed), allowingEd), '401 alg_not_allowed', 'EdDSA key configured, EdDSA not allowed');
    const unsecured = new UnsecuredJWT({ sub: 'dev-A' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime(Math.floor(NOW / 1000) + 600).encode();
    assert.equal(await refusal(unsecured), '401 alg_not_allowed');
    const confusion = await deviceToken({ alg: 'HS256', privateKey: new TextEncoder().encode(rsa.pem), kid: 'k-rsa' }, { nowMs: NOW });
    assert.equal(await refusal(confusion), '401 alg_not_allowed');
  });

  it('refuses a sub that is no device id and a rings claim that is no list of rings', async () => {
    assert.equal(await refusal(await token(rsa, { sub: '' })), '401 invalid_token');
    assert.equal(await refusal(await token(rsa, { sub: '_proto_' })), '401 invalid_token');
    assert.equal(await refusal(await token(rsa, { rings: [] })), '401 invalid_token');
    assert.equal(await refusal(await token(rsa, { rings: ['Not A Ring'] })), '401 invalid_token');
    assert.equal(await refusal('not.a-jwt.at-all'), '401 invalid_token');
  });

  it('verifies with PEM public keys (no kid: each is tried) and with an HS256 secret when allowed', async () => {
    const pemAuth = new Authenticator({ auth_enabled: true, device_tokens: [], device_jwt: jwtSettings({ pem_public_keys: `${stranger.pem}\n${rsa.pem}`, algorithms: ['RS256'] }) }, clock);
    assert.equal(await refusal(await token(rsa, { kid: null }), pemAuth), 'accepted', 'the second PEM key verifies it');
    assert.equal(await refusal(await token(ec, { kid: null }), pemAuth), '401 alg_not_allowed');
    const secret = 'a-shared-secret-of-at-least-32-bytes!';
    const hsAuth = new Authenticator({ auth_enabled: true, device_tokens: [], device_jwt: jwtSettings({ hs256_secret: secret, algorithms: ['HS256'] }) }, clock);
    const hs = await deviceToken({ alg: 'HS256', privateKey: new TextEncoder().encode(secret) }, { nowMs: NOW, kid: null });
    assert.equal(await refusal(hs, hsAuth), 'accepted');
    const wrongSecret = await deviceToken({ alg: 'HS256', privateKey: new TextEncoder().encode(`${secret}-not`) }, { nowMs: NOW, kid: null });
    assert.equal(await refusal(wrongSecret, hsAuth), '401 bad_signature');
  });

  it('never puts the token or its claims in the refusal message', async () => {
    const jwt = await token(rsa, { sub: 'dev-SECRETSUB', iss: 'https://SECRETISS.example', rings: ['canary'] });
    const err = await auth.authenticate(`Bearer ${jwt}`, 'device').catch((e: Error) => e) as Error;
    assert.ok(!err.message.includes('SECRET') && !err.message.includes(jwt.slice(0, 20)), err.message);
  });
});

describe('per-device static tokens', () => {
  const settings = (lines: string[]): AuthSettings => ({ auth_enabled: true, device_tokens: ['shared-trial-token'], device_token_bindings: lines });

  it('bind a token to its device(s) and rings; a shared token still speaks for anyone', async () => {
    const auth = new Authenticator(settings([
      '# sha256(token)  devices  [rings]',
      binding('tok-gateway', ['dev-1', 'dev-2']),
      binding('tok-canary', ['dev-3'], ['canary']),
    ]));
    assert.deepEqual(await auth.authenticate('Bearer tok-gateway', 'device'), { audience: 'device', id: 'bound:0', devices: new Set(['dev-1', 'dev-2']) });
    assert.deepEqual(await auth.authenticate('Bearer tok-canary', 'device'), { audience: 'device', id: 'bound:1', devices: new Set(['dev-3']), rings: new Set(['canary']) });
    assert.deepEqual(await auth.authenticate('Bearer shared-trial-token', 'device'), { audience: 'device', id: 'device:0' });
    await assert.rejects(auth.authenticate('Bearer tok-other', 'device'), { status: 401, refusal: 'unknown_token' });
    await assert.rejects(auth.authenticate('Bearer tok-canary', 'release'), { status: 403, refusal: 'wrong_route' });
    assert.deepEqual([auth.sharedDeviceTokens, auth.boundDeviceTokens], [1, 2]);
  });

  it('are read from a file and refused at start-up when a line is wrong, without quoting it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-bindings-'));
    writeFileSync(join(dir, 'bindings'), `# fleet A\n${binding('tok-a', ['dev-a'])}\n\n${binding('tok-b', ['dev-b'], ['early'])}\n`);
    const config = buildConfig({ collector: { device_token_bindings_file: join(dir, 'bindings') } }, {});
    assert.equal(config.collector.device_token_bindings.length, 3);
    assert.ok(!JSON.stringify(redactConfig(config)).includes(binding('tok-a', ['dev-a']).slice(0, 64)), 'hashes are redacted');
    const [hashOfA, hashOfZ] = ['tok-a', 'tok-z'].map((t) => binding(t, ['x']).split(' ')[0]);
    assert.deepEqual(problemsOf({
      device_tokens: ['tok-shared'],
      device_token_bindings: [
        'deadbeef dev-1', `${hashOfA} dev!1`, `${hashOfA} dev-1 rings=Canary`, `${hashOfA} dev-1`, `${hashOfA} dev-2`,
        `${hashOfZ} dev-1 canary`, `${hashOfZ} dev-1 rings=canary extra`, binding('tok-shared', ['dev-9']),
      ],
    }), [
      'collector.device_token_bindings[0]: must start with the SHA-256 of the token (64 hex digits)',
      "collector.device_token_bindings[1]: needs one or more device ids (comma-separated, each as the contract's deviceId)",
      'collector.device_token_bindings[2]: rings must be ring names (^[a-z0-9][a-z0-9_\\-]*$)',
      'collector.device_token_bindings[4]: the same token is bound twice',
      'collector.device_token_bindings[5]: the third field must be rings=<ring>[,<ring>...]',
      'collector.device_token_bindings[6]: unexpected text after the rings',
      'collector.device_token_bindings: a bound token is also a shared device token or the release token',
    ]);
  });
});

describe('per-event identity check', () => {
  const events = [heartbeat(1, { runId: 'id' }), heartbeat(2, { runId: 'id' })]; // dev-00001 (early), dev-00002 (broad)
  const accept = (identity: Parameters<typeof acceptEvents>[0]['identity']) =>
    acceptEvents({ kind: 'heartbeat', events, receivedAtMs: Date.now(), collectorId: 'c', policy, identity });

  it('refuses an event of another device and one from a ring the credential does not allow, and keeps the rest', () => {
    const other = accept({ devices: new Set(['dev-00001']) });
    assert.deepEqual(other.accepted.map((a) => a.index), [0]);
    assert.deepEqual(other.refused, [{ index: 1, reason: 'device_not_allowed', errors: [{ path: '/deviceId', reason: 'this credential may not post events for this device' }] }]);
    const ring = accept({ devices: new Set(['dev-00001', 'dev-00002']), rings: new Set(['broad']) });
    assert.deepEqual(ring.refused.map((r) => [r.index, r.reason, r.errors[0].path]), [[0, 'ring_not_allowed', '/ring']]);
    assert.equal(accept({}).accepted.length, 2, 'a shared credential may speak for anyone');
  });
});

describe('device JWT settings', () => {
  it('need an issuer and an audience, a usable public key, and refuse none, short secrets and private keys', async () => {
    const key = await issuerKey('RS256', 'k1');
    assert.deepEqual(problemsOf({ device_jwt: { jwks: jwksOf(key) } }), [
      'collector.device_jwt.issuer: required when device JWTs are on (a key is configured)',
      'collector.device_jwt.audience: required when device JWTs are on (a key is configured)',
    ]);
    const base = { issuer: ISSUER, audience: AUDIENCE };
    assert.deepEqual(problemsOf({ device_jwt: { ...base, jwks: jwksOf(key), algorithms: ['none'] } }), ['collector.device_jwt.algorithms.0: must be one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519, HS256']);
    assert.deepEqual(problemsOf({ device_jwt: { ...base, hs256_secret: 'short' } }), [
      'collector.device_jwt.hs256_secret: must be at least 32 bytes (RFC 7518 3.2)',
      'collector.device_jwt.algorithms: must list HS256 when hs256_secret is set',
    ]);
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    assert.deepEqual(problemsOf({ device_jwt: { ...base, pem_public_keys: await exportPKCS8(privateKey) } }), [
      'collector.device_jwt.pem_public_keys: block 1 is a private key: configure the public key only',
      'collector.device_jwt: no usable key',
    ]);
    assert.deepEqual(problemsOf({ device_jwt: { ...base, jwks: '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}' } }), [
      'collector.device_jwt.jwks: key 0 is a symmetric key: use hs256_secret for a shared secret',
      'collector.device_jwt: no usable key',
    ]);
  });

  it('take the JWKS from a file', async () => {
    const key = await issuerKey('ES256', 'k1');
    const dir = mkdtempSync(join(tmpdir(), 'rw-jwks-'));
    writeFileSync(join(dir, 'jwks.json'), jwksOf(key));
    const config = buildConfig({ collector: { device_jwt: { issuer: ISSUER, audience: AUDIENCE, jwks_file: join(dir, 'jwks.json') } } }, {});
    const auth = new Authenticator(config.collector, new ManualClock(NOW));
    assert.equal((await auth.authenticate(`Bearer ${await deviceToken(key, { nowMs: NOW, sub: 'dev-7' })}`, 'device')).id, 'jwt:dev-7');
    writeFileSync(join(dir, 'jwks.json'), '{"keys": "nope"}');
    assert.deepEqual(problemsOf({ device_jwt: { issuer: ISSUER, audience: AUDIENCE, jwks_file: join(dir, 'jwks.json') } }),
      ['collector.device_jwt.jwks (read from its _file): not a JSON Web Key Set ({"keys": [...]} with at least one key)', 'collector.device_jwt: no usable key']);
  });
});
