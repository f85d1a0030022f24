// The part of autocannon's API the ingest benchmark uses (the package ships no types).
declare module 'autocannon' {
  interface Histogram { p50: number; p90: number; p99: number; average: number; max: number; }
  interface RequestSpec {
    method?: string;
    path?: string;
    setupRequest?: (req: { body?: string | Buffer; [key: string]: unknown }) => { body?: string | Buffer; [key: string]: unknown };
  }
  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    connections?: number;
    duration?: number;
    pipelining?: number;
    timeout?: number;
    requests?: RequestSpec[];
  }
  export interface Result {
    latency: Histogram;
    requests: Histogram & { total: number };
    throughput: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
