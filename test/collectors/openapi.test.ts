// The OpenAPI document: the copy in the repository is what the code generates, and it documents every
// route, every status the collector answers, both token kinds and the limits.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MAX_COMPONENTS } from '../../common/contract/limits.ts';
import { buildConfig } from '../../app/config.ts';
import { buildOpenApi } from '../../collectors/openapi.ts';
import { REQUEST_REASONS } from '../../collectors/reasons.ts';
import { OPENAPI_FILE, defaultOpenApiText } from '../../tools/docs/write-openapi.ts';

describe('OpenAPI document', () => {
  it('in the repository equals the generated one (regenerate: node tools/docs/write-openapi.ts)', () => {
    assert.equal(readFileSync(OPENAPI_FILE, 'utf8'), defaultOpenApiText());
  });

  it('documents every ingest route with its token kind, every refusal status, and the limits', () => {
    const settings = buildConfig({}, {}).collector;
    const doc = buildOpenApi(settings) as any;
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['deviceToken', 'releaseToken']);
    const statuses = [...new Set(Object.values(REQUEST_REASONS).map((r) => String(r.status)))];
    for (const [path, token] of [['/v1/heartbeats', 'deviceToken'], ['/v1/crashes', 'deviceToken'], ['/v1/deployments', 'releaseToken']]) {
      const op = doc.paths[path].post;
      assert.deepEqual(op.security, [{ [token]: [] }]);
      for (const status of ['200', ...statuses]) assert.ok(op.responses[status], `${path} documents ${status}`);
      assert.ok(op.responses['429'].headers['Retry-After'] && op.responses['503'].headers['Retry-After']);
    }
    assert.equal(doc.components.schemas.HeartbeatBatch.properties.events.maxItems, settings.max_events_per_batch);
    assert.equal(doc.components.schemas.Heartbeat.properties.components.maxProperties, MAX_COMPONENTS);
    assert.equal(doc.components.schemas.Heartbeat.additionalProperties, false);
    assert.equal(doc.info['x-ringwatch-limits'].max_body_bytes, settings.max_body_bytes);
    assert.deepEqual(doc.components.schemas.EventError.properties.status.enum, [400, 403], 'each refused event says 400 (wrong) or 403 (not this credential\'s)');
    assert.deepEqual(doc.paths['/v1/heartbeats'].post.responses['403'].content['application/json'].schema.oneOf.map((s: { $ref: string }) => s.$ref.split('/').pop()), ['Refusal', 'ForbiddenEvents']);
    for (const path of ['/openapi.json', '/livez', '/readyz', '/metrics']) assert.ok(doc.paths[path].get, path);
  });
});
