// Trace context crosses Kafka in W3C headers: a producer span's context comes back out of the headers as a link.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { linksFromHeaders, roleServiceName, traceHeaders, tracingWanted, userServiceName } from '../../common/telemetry/tracing.ts';

describe('tracing', () => {
  before(() => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(new BasicTracerProvider());
  });

  it('puts the span context into a traceparent header and gets it back as a link', () => {
    const span = trace.getTracer('test').startSpan('send ringwatch.heartbeats');
    const headers = traceHeaders(span);
    const { traceId, spanId } = span.spanContext();
    assert.equal(headers.traceparent, `00-${traceId}-${spanId}-01`);
    const [link] = linksFromHeaders([headers, {}]);
    assert.equal(link.context.traceId, traceId);
    assert.equal(link.context.spanId, spanId);
    span.end();
  });

  it('is off unless an OTEL exporter or endpoint is configured', () => {
    assert.equal(tracingWanted({}), false);
    assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), true);
    assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_SDK_DISABLED: 'true' }), false);
    assert.equal(tracingWanted({ OTEL_TRACES_EXPORTER: 'none' }), false);
  });

  it('reads OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER case-insensitively', () => {
    for (const disabled of ['TRUE', 'True', ' true ']) {
      assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_SDK_DISABLED: disabled }), false, disabled);
    }
    assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_SDK_DISABLED: 'false' }), true);
    assert.equal(tracingWanted({ OTEL_TRACES_EXPORTER: 'NONE' }), false);
  });

  it('names the service after the role unless the user named it', () => {
    assert.equal(roleServiceName(['collector']), 'ringwatch-collector');
    assert.equal(roleServiceName(['alerter']), 'ringwatch-alerter');
    assert.equal(roleServiceName(['collector', 'processor', 'alerter']), 'ringwatch-all');
    assert.equal(userServiceName({}), false);
    assert.equal(userServiceName({ OTEL_SERVICE_NAME: 'edge-ingest' }), true);
    assert.equal(userServiceName({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod, service.name=edge-ingest' }), true);
    assert.equal(userServiceName({ OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=ringwatch' }), false);
  });
});
