// Two processor instances as real processes on a real broker. One is SIGKILLed mid-stream and restarted;
// the survivor and the restarted instance share its partitions (rebuilding their state by replay), and the
// decisions equal those of a run of two instances without the kill: same ids, same verdicts, same evidence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Decision } from '../../common/contract/decision.ts';
import { runTwoProcessors } from './support/sigkill-run.ts';

test('one of two processor instances SIGKILLed mid-stream and restarted: decisions equal a run without the kill', async () => {
  const [killed, clean] = await Promise.all([runTwoProcessors(true), runTwoProcessors(false)].map((p) => p.catch((err: unknown) => err)));
  if (killed instanceof Error) throw killed;
  if (clean instanceof Error) throw clean;
  assert.ok(Array.isArray(killed) && Array.isArray(clean));
  const view = (ds: Decision[]) => ds.map((d) => `${d.id} => ${d.verdict} | ${JSON.stringify(d.evidence)}`).sort();
  assert.ok(clean.length > 300, `a full run of decisions (${clean.length})`);
  assert.deepEqual(view(killed), view(clean));
});
