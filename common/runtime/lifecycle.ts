// One lifecycle contract for every long-running component: start() returns once the
// component does useful work; stop() is idempotent, safe before start(), stops intake first, then flushes.
export interface Lifecycle {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Health as /readyz reports it: ready means "can do useful work now". */
export interface ReadinessCheck {
  name: string;
  ready(): boolean;
}

/** Start components in order; on failure stop the ones already started (in reverse) and rethrow. */
export async function startAll(components: Lifecycle[]): Promise<void> {
  const started: Lifecycle[] = [];
  try {
    for (const c of components) {
      await c.start();
      started.push(c);
    }
  } catch (err) {
    await stopAll(started);
    throw err;
  }
}

/** Stop components in reverse order; every stop runs even if an earlier one fails. */
export async function stopAll(components: Lifecycle[]): Promise<void> {
  const errors: unknown[] = [];
  for (const c of [...components].reverse()) {
    try {
      await c.stop();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length) throw new AggregateError(errors, 'some components failed to stop');
}
