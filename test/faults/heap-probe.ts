// The V8 heap of another process after a full garbage collection, through its inspector (the process is
// started with --inspect=127.0.0.1:0): RSS alone mixes the live heap with memory V8 and the allocator keep
// for later, so a slow RSS rise does not tell a leak from a heap sized to the load.
export interface HeapProbe {
  /** Live heap after a forced full GC, in MiB. */
  afterGcMiB(): Promise<number>;
  close(): void;
}

/** The inspector's WebSocket URL from a process's output ("Debugger listening on ws://..."). */
export function inspectorUrl(output: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
}

export async function heapProbe(url: string): Promise<HeapProbe> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error(`inspector ${url} refused`)); });
  let id = 0;
  const waiting = new Map<number, (result: any) => void>();
  ws.onmessage = (m) => {
    const msg = JSON.parse(String(m.data));
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg.result);
    waiting.delete(msg.id);
  };
  const call = (method: string) => new Promise<any>((resolve) => {
    waiting.set(++id, resolve);
    ws.send(JSON.stringify({ id, method }));
  });
  return {
    async afterGcMiB() {
      await call('HeapProfiler.collectGarbage');
      const usage = await call('Runtime.getHeapUsage');
      return usage.usedSize / 2 ** 20;
    },
    close: () => ws.close(),
  };
}
