import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecentIds } from '../../common/bus/dedup.ts';

describe('RecentIds', () => {
  it('recognises a repeated id and forgets the oldest beyond its capacity', () => {
    const ids = new RecentIds(3);
    assert.deepEqual(['a', 'b', 'a', 'c', 'd'].map((id) => ids.firstSeen(id)), [true, true, false, true, true]);
    assert.equal(ids.size, 3);
    assert.equal(ids.evicted, 1);
    assert.equal(ids.firstSeen('a'), true, 'a was the oldest and is forgotten');
    assert.equal(ids.firstSeen('d'), false);
  });
});
