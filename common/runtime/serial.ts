// One-at-a-time execution for async work on shared state: each task starts when the one before it has
// settled (resolved or rejected), in the order they were queued. Consumers handing over batches of
// several partitions at once (bus.kafka.partitions_consumed_concurrently) use it where one state serves
// every partition: the judge, the alerter.
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  /** Queue `fn`; resolves or rejects with its outcome. A failure does not stop the tasks after it. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => {});
    return run;
  }

  /** Resolves once every task queued so far has settled. */
  idle(): Promise<void> {
    return this.tail.then(() => {});
  }
}
