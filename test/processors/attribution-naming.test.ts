// Attribution by version naming: a release only the affected devices run is singled out; a release every
// device runs is neutral; a release nobody can be seen running (CrowdStrike) is exactly neutral.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { namingRatio } from '../../processors/core/attribution.ts';

describe('attribution naming ratio', () => {
  it('is exactly 1 when no device names the release', () => {
    assert.equal(namingRatio({ named: 0, affected: 9, namedOthers: 0, others: 1 }), 1);
  });

  it('singles out a release that only the affected devices run', () => {
    assert.ok(namingRatio({ named: 4, affected: 4, namedOthers: 0, others: 16 }) > 5);
  });

  it('stays near 1 for a release that affected and unaffected devices run alike (a healthy co-release)', () => {
    const r = namingRatio({ named: 4, affected: 4, namedOthers: 15, others: 16 });
    assert.ok(r > 0.7 && r < 1.4, String(r));
  });
});
