// One trace, or traces joined by links, from an ingest request to the decision and the page: every role in
// this process on the memory bus with an in-memory span exporter, fed over HTTP by `ringwatch simulate`
// (the CrowdStrike-like scenario) until PagerDuty (a local receiver) gets its trigger. From the span that
// delivered the page, parents and links lead back through the alerter's processing, the decisions written
// by the judge, the partials, and the heartbeats batch to the collector's `POST /v1/heartbeats`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { buildConfig } from '../../app/config.ts';
import { runRoles, type RunningRoles } from '../../app/run-roles.ts';
import { MemoryBus } from '../../common/bus/memory-bus.ts';
import { createRegistry } from '../../common/telemetry/metrics.ts';
import { silentLogger } from '../../common/telemetry/logger.ts';
import { collectorFactory } from '../../collectors/role.ts';
import { processorFactory } from '../../processors/role.ts';
import { alerterFactory } from '../../alerting/role.ts';
import { installTestTracing } from '../collectors/support/tracing.ts';
import { FakeReceiver, waitFor } from '../alerting/support.ts';
import { CLI } from '../support/cli.ts';
import { ROOT } from '../deploy/support/tools.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

/** Shortest way back from `from` to a span matching `goal`, over parents and links. */
function pathBack(spans: ReadableSpan[], from: ReadableSpan, goal: (s: ReadableSpan) => boolean): ReadableSpan[] | undefined {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const cameFrom = new Map<ReadableSpan, ReadableSpan | undefined>([[from, undefined]]);
  const queue = [from];
  while (queue.length) {
    const span = queue.shift()!;
    if (goal(span)) {
      const path = [span];
      for (let s = cameFrom.get(span); s; s = cameFrom.get(s)) path.push(s);
      return path;
    }
    const before = [span.parentSpanContext?.spanId, ...span.links.map((l) => l.context.spanId)]
      .map((id) => (id ? byId.get(id) : undefined)).filter((s): s is ReadableSpan => s !== undefined);
    for (const s of before) if (!cameFrom.has(s)) { cameFrom.set(s, span); queue.push(s); }
  }
  return undefined;
}

describe('a trace across the pipeline', () => {
  const tracing = installTestTracing();
  const pager = new FakeReceiver();
  const bus = new MemoryBus();
  let running: RunningRoles;
  let simulator: ChildProcess | undefined;
  const port = (role: string) => running.servers.get(role)!.port;

  before(async () => {
    await pager.start();
    const config = buildConfig({
      bus: { kind: 'memory', lag_poll_secs: 1 },
      telemetry: { log_level: 'silent' },
      collector: { listen_host: '127.0.0.1', listen_port: 0, auth_enabled: false },
      processor: { listen_host: '127.0.0.1', listen_port: 0, heartbeat_interval_secs: 1, window_secs: 2, silence_intervals: 3 },
      alerting: {
        listen_host: '127.0.0.1', listen_port: 0, board_listen_port: 0, public_url: 'http://ringwatch.test', tick_interval_ms: 500,
        pagerduty_url: pager.url, pagerduty_release_routing_key: 'r'.repeat(32), pagerduty_pipeline_routing_key: 'p'.repeat(32),
      },
    }, {});
    running = await runRoles({ config, factories: [collectorFactory, processorFactory, alerterFactory], logger: silentLogger, registry: createRegistry(false), bus });
  });

  after(async () => {
    if (simulator && simulator.exitCode === null) {
      const gone = new Promise((resolve) => simulator!.once('exit', resolve));
      simulator.kill('SIGTERM');
      await gone;
    }
    await running?.stop();
    await pager.stop();
    tracing.uninstall();
  });

  it('continues the caller\'s W3C traceparent on an incoming request, with the HTTP server attributes', async () => {
    const res = await fetch(`http://127.0.0.1:${port('alerter')}/v1/verdicts/agent/1.0?ring=canary`, {
      headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` },
    });
    await res.text();
    const span = await waitFor('the server span', () => tracing.exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/v1/verdicts/agent/1.0'));
    assert.equal(span.spanContext().traceId, TRACE_ID);
    assert.equal(span.parentSpanContext?.spanId, CALLER_SPAN);
    assert.equal(span.name, 'GET /v1/verdicts/*');
    assert.equal(span.attributes['http.request.method'], 'GET');
    assert.equal(span.attributes['url.scheme'], 'http');
    assert.equal(span.attributes['url.query'], 'ring=canary');
    assert.equal(span.attributes['http.route'], '/v1/verdicts/*');
    assert.equal(span.attributes['http.response.status_code'], res.status);
    assert.equal(span.attributes['server.port'], port('alerter'));
  });

  it('leads from the page back to the ingest request, through the decision', async () => {
    simulator = spawn(process.execPath, [CLI, 'simulate', '--scenario', join(ROOT, 'deploy/scenarios/crowdstrike.yaml'),
      '--target', `http://127.0.0.1:${port('collector')}`, '--duration', '120s'], { stdio: 'ignore' });
    await waitFor('the PagerDuty trigger', () => pager.on('/v2/enqueue').some((r) => r.json().event_action === 'trigger'), 100_000, 500);
    const page = await waitFor('the delivery span of the trigger', () => tracing.exporter.getFinishedSpans()
      .find((s) => s.name === 'deliver pagerduty' && s.attributes['ringwatch.delivery.action'] === 'trigger' && s.attributes['ringwatch.delivery.outcome'] === 'ok'));
    // The request to PagerDuty continues the delivery's trace (W3C traceparent of the delivery span).
    const spans = tracing.exporter.getFinishedSpans();
    for (const trigger of pager.on('/v2/enqueue').filter((r) => r.json().event_action === 'trigger')) {
      const [, traceId, spanId] = String(trigger.headers.traceparent).split('-');
      assert.ok(spans.some((s) => s.name === 'deliver pagerduty' && s.spanContext().traceId === traceId && s.spanContext().spanId === spanId),
        `the trigger's traceparent ${trigger.headers.traceparent} names its delivery span`);
    }
    const path = pathBack(spans, page, (s) => s.kind === SpanKind.SERVER && s.name === 'POST /v1/heartbeats');
    assert.ok(path, 'the page leads back to an ingest request');
    const names = path.map((s) => s.name);
    const topics = running.context.topics;
    for (const name of [`process ${topics.decisions}`, `send ${topics.decisions}`, 'judge windows', `send ${topics.cells}`, `process ${topics.heartbeats}`, `send ${topics.heartbeats}`]) {
      assert.ok(names.includes(name), `${name} on the way: ${names.join(' <- ')}`);
    }
    // The judged window links to every partial it merged, and runs inside the cells batch that completed it.
    const judged = path.find((s) => s.name === 'judge windows')!;
    assert.equal(spans.find((s) => s.spanContext().spanId === judged.parentSpanContext?.spanId)?.name, `process ${topics.cells}`);
    // The alerter's processing and the page are one trace; each Kafka hop is a link (batches).
    const processDecisions = path.find((s) => s.name === `process ${topics.decisions}`)!;
    assert.equal(page.spanContext().traceId, processDecisions.spanContext().traceId, 'the page is in the trace of the processing that planned it');
    for (const s of path.filter((p) => p.kind === SpanKind.CONSUMER)) {
      assert.equal(s.attributes['messaging.operation.name'], 'process');
      assert.equal(s.attributes['messaging.operation.type'], 'process');
      assert.equal(s.attributes['messaging.system'], 'kafka');
      assert.ok(s.attributes['messaging.consumer.group.name']);
      assert.ok(s.links.length >= 1, `${s.name} links to the records' producers`);
    }
    for (const s of path.filter((p) => p.kind === SpanKind.PRODUCER)) assert.equal(s.attributes['messaging.operation.name'], 'send');
    const server = path[0];
    assert.equal(server.attributes['http.request.method'], 'POST');
    assert.equal(server.attributes['url.path'], '/v1/heartbeats');
    // The decision records on the topic carry their context onward.
    const decisions = bus.records(topics.decisions);
    assert.ok(decisions.length && decisions.every((r) => /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/.test(r.headers.traceparent ?? '')), 'every decision record has a traceparent');
  });
});
