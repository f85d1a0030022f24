// Bearer tokens: device tokens (heartbeats, crashes) and one release-tooling token (deployments).
// Tokens are compared as SHA-256 digests with timingSafeEqual: the time a lookup takes depends only on the
// digest of what was presented, which tells an attacker nothing about any configured token.
import { createHash, timingSafeEqual } from 'node:crypto';
import { IngestError } from './reasons.ts';

export type Audience = 'device' | 'release';

export interface Principal {
  audience: Audience | 'anonymous';
  /** Rate-limit identity: never the token itself ("device:3", "release", "anonymous"). */
  id: string;
}

export interface AuthSettings {
  auth_enabled: boolean;
  device_tokens: string[];
  release_token?: string;
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(header);
  return m?.[1];
}

export class Authenticator {
  private readonly enabled: boolean;
  private readonly byDigest = new Map<string, { digest: Buffer; principal: Principal }>();

  constructor(settings: AuthSettings) {
    this.enabled = settings.auth_enabled;
    settings.device_tokens.forEach((token, i) => this.add(token, { audience: 'device', id: `device:${i}` }));
    // The release token wins over an equal device token: it is the more specific credential.
    if (settings.release_token) this.add(settings.release_token, { audience: 'release', id: 'release' });
  }

  get tokenCount(): number {
    return this.byDigest.size;
  }

  /** Who is calling, if allowed on a route for `audience`; throws unauthorized / forbidden otherwise. */
  authenticate(header: string | undefined, audience: Audience): Principal {
    if (!this.enabled) return { audience: 'anonymous', id: 'anonymous' };
    const token = bearerToken(header);
    if (token === undefined) throw new IngestError('unauthorized', 'missing bearer token');
    const presented = digest(token);
    const entry = this.byDigest.get(presented.toString('base64'));
    if (!entry || !timingSafeEqual(entry.digest, presented)) throw new IngestError('unauthorized', 'unknown bearer token');
    if (entry.principal.audience !== audience) {
      throw new IngestError('forbidden', `this token may not post here (it is a ${entry.principal.audience} token)`);
    }
    return entry.principal;
  }

  private add(token: string, principal: Principal): void {
    const d = digest(token);
    this.byDigest.set(d.toString('base64'), { digest: d, principal });
  }
}
