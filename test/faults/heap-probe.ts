// The memory of another process after a full garbage collection, through its inspector (the process is
// started with --inspect=127.0.0.1:0): RSS alone mixes live memory with what V8 and the allocator keep for
// later, so a slow RSS rise does not tell a leak from a heap sized to the load. What is live after a full
// GC is the JS heap (heapUsed) plus memory outside it that JS objects hold (external: Buffers, sockets).
export interface MemoryAfterGc {
  heapUsedMiB: number;
  /** What V8 keeps committed for its heap after the GC (live objects, free space it has not returned). */
  heapTotalMiB: number;
  externalMiB: number;
  arrayBuffersMiB: number;
  rssMiB: number;
}

export interface HeapProbe {
  afterGc(): Promise<MemoryAfterGc>;
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
    if (msg.id === undefined) return;
    waiting.get(msg.id)?.(msg.result);
    waiting.delete(msg.id);
  };
  const call = (method: string, params: object = {}) => new Promise<any>((resolve) => {
    waiting.set(++id, resolve);
    ws.send(JSON.stringify({ id, method, params }));
  });
  const MiB = 2 ** 20;
  return {
    async afterGc() {
      await call('HeapProfiler.collectGarbage');
      const r = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
      const m = JSON.parse(r.result.value);
      return { heapUsedMiB: m.heapUsed / MiB, heapTotalMiB: m.heapTotal / MiB, externalMiB: m.external / MiB, arrayBuffersMiB: m.arrayBuffers / MiB, rssMiB: m.rss / MiB };
    },
    close: () => ws.close(),
  };
}
