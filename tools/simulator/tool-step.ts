// One turn of the release tool, shared by the in-process and the live runner: start what is due, read
// the verdicts that are due, act on them. A read that throws or answers nonsense is an error outcome.
import { VERDICTS } from '../../common/contract/decision.ts';
import type { ReleaseTool, ToolRecord, VerdictOutcome } from './release-tool.ts';
import type { VerdictSource } from './simulation.ts';

export async function runToolStep(
  tool: ReleaseTool, now: () => number, verdicts: VerdictSource, act: (actions: ToolRecord[]) => void | Promise<void>,
): Promise<void> {
  const { actions, queries } = tool.poll(now());
  await act(actions);
  for (const query of queries) {
    let outcome: VerdictOutcome;
    try {
      outcome = await verdicts(query, now());
      if (!VERDICTS.includes(outcome)) outcome = 'error';
    } catch {
      outcome = 'error';
    }
    await act(tool.answer(now(), query, outcome));
  }
}
