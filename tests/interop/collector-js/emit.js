#!/usr/bin/env node
// Emits a known set of spans, metrics and log records with the official OpenTelemetry JS SDK and
// its OTLP exporters, and prints what it sent, for tests/collector/integration
// (collector_js_interop_test.cc).
//
//   node emit.js PROTOCOL ENDPOINT [RUN]
//
//   PROTOCOL  grpc | http/protobuf | http/json
//   ENDPOINT  grpc: http://127.0.0.1:4317; http/*: http://127.0.0.1:4318 (/v1/<signal> is appended)
//   RUN       0..255 (default 0): goes into every trace and span id, so runs do not collide
//
// Every export must succeed (exit 1 otherwise, with the error on stderr). On success, prints what
// was sent, one line per export call:
//
//   traces <ExportTraceServiceRequest>
//   metrics <ExportMetricsServiceRequest>
//   logs <ExportLogsServiceRequest>
//
// each in the proto3 JSON mapping (what libprotobuf's JsonStringToMessage reads: bytes in base64,
// 64-bit integers as strings, enums as numbers). The requests are built here, from the SDK's own
// records handed to the exporter (ReadableSpan, ResourceMetrics, ReadableLogRecord), following the
// OTLP specification's data model, not with the exporters' encoder: they are the reference the test
// compares what reaches its sink with.
'use strict';

// The exporters read OTEL_EXPORTER_OTLP_* (headers, compression, timeouts): ignore the caller's.
for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];

const api = require('@opentelemetry/api');
const { SeverityNumber } = require('@opentelemetry/api-logs');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { MeterProvider, PeriodicExportingMetricReader, DataPointType, AggregationTemporality } =
  require('@opentelemetry/sdk-metrics');
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { ExportResultCode } = require('@opentelemetry/core');

const [protocol, endpoint, runArg] = process.argv.slice(2);
const run = Number(runArg || 0) & 0xff;
const exporterPackages = {
  'grpc': 'grpc',
  'http/protobuf': 'proto',
  'http/json': 'http',
};
if (!exporterPackages[protocol] || !endpoint) {
  process.stderr.write('usage: node emit.js grpc|http/protobuf|http/json ENDPOINT [RUN]\n');
  process.exit(2);
}
const flavour = exporterPackages[protocol];
const { OTLPTraceExporter } = require(`@opentelemetry/exporter-trace-otlp-${flavour}`);
const { OTLPMetricExporter } = require(`@opentelemetry/exporter-metrics-otlp-${flavour}`);
const { OTLPLogExporter } = require(`@opentelemetry/exporter-logs-otlp-${flavour}`);

function exporterOptions(signal) {
  const base = endpoint.replace(/\/+$/, '');
  return { url: flavour === 'grpc' ? base : `${base}/v1/${signal}`, timeoutMillis: 10000 };
}

// ---- the reference: SDK records -> OTLP requests in the proto3 JSON mapping ----

const b64 = (hex) => Buffer.from(hex, 'hex').toString('base64');
const nanos = (hr) => (BigInt(hr[0]) * 1000000000n + BigInt(hr[1])).toString();

// OTLP's AnyValue for a JS value: whole numbers are int_value, other numbers double_value.
function anyValue(v) {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (v instanceof Uint8Array) return { bytesValue: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  if (v !== null && typeof v === 'object') {
    return { kvlistValue: { values: Object.keys(v).map((k) => ({ key: k, value: anyValue(v[k]) })) } };
  }
  return {};
}
const attributes = (attrs) => Object.keys(attrs || {}).map((k) => ({ key: k, value: anyValue(attrs[k]) }));

function resource(r) {
  const out = { attributes: attributes(r.attributes) };
  if (r.schemaUrl) out.schemaUrl = r.schemaUrl;
  return out;
}
const scope = (s) => ({ name: s.name, version: s.version || '' });

// Span and link flags: the W3C trace flags, plus HAS_IS_REMOTE (0x100) and IS_REMOTE (0x200).
const spanFlags = (traceFlags, isRemote) => (traceFlags & 0xff) | 0x100 | (isRemote ? 0x200 : 0);

// Groups records by resource, then by scope, in first-seen order.
function group(records, resourceOf, scopeOf) {
  const byResource = new Map();
  for (const rec of records) {
    const res = resourceOf(rec);
    if (!byResource.has(res)) byResource.set(res, new Map());
    const sc = scopeOf(rec);
    const key = `${sc.name}@${sc.version || ''}:${sc.schemaUrl || ''}`;
    const scopes = byResource.get(res);
    if (!scopes.has(key)) scopes.set(key, { scope: sc, records: [] });
    scopes.get(key).records.push(rec);
  }
  return byResource;
}

function traceRequest(spans) {
  const resourceSpans = [];
  for (const [res, scopes] of group(spans, (s) => s.resource, (s) => s.instrumentationScope)) {
    resourceSpans.push({
      resource: resource(res),
      schemaUrl: res.schemaUrl || '',
      scopeSpans: [...scopes.values()].map(({ scope: sc, records }) => ({
        scope: scope(sc),
        schemaUrl: sc.schemaUrl || '',
        spans: records.map((s) => {
          const ctx = s.spanContext();
          const parent = s.parentSpanContext;
          return {
            traceId: b64(ctx.traceId),
            spanId: b64(ctx.spanId),
            traceState: ctx.traceState ? ctx.traceState.serialize() : '',
            parentSpanId: parent && parent.spanId ? b64(parent.spanId) : '',
            flags: spanFlags(ctx.traceFlags, parent && parent.isRemote),
            name: s.name,
            kind: s.kind + 1,  // the API has no UNSPECIFIED
            startTimeUnixNano: nanos(s.startTime),
            endTimeUnixNano: nanos(s.endTime),
            attributes: attributes(s.attributes),
            droppedAttributesCount: s.droppedAttributesCount,
            events: s.events.map((e) => ({
              timeUnixNano: nanos(e.time),
              name: e.name,
              attributes: attributes(e.attributes),
              droppedAttributesCount: e.droppedAttributesCount || 0,
            })),
            droppedEventsCount: s.droppedEventsCount,
            links: s.links.map((l) => ({
              traceId: b64(l.context.traceId),
              spanId: b64(l.context.spanId),
              traceState: l.context.traceState ? l.context.traceState.serialize() : '',
              attributes: attributes(l.attributes),
              droppedAttributesCount: l.droppedAttributesCount || 0,
              flags: spanFlags(l.context.traceFlags, l.context.isRemote),
            })),
            droppedLinksCount: s.droppedLinksCount,
            status: { code: s.status.code, message: s.status.message || '' },
          };
        }),
      })),
    });
  }
  return { resourceSpans };
}

function metricsRequest(rm) {
  const point = (p) => ({
    attributes: attributes(p.attributes),
    startTimeUnixNano: nanos(p.startTime),
    timeUnixNano: nanos(p.endTime),
  });
  const number = (m) => m.dataPoints.map((p) => Object.assign(point(p),
    m.descriptor.valueType === api.ValueType.INT ? { asInt: String(p.value) } : { asDouble: p.value }));
  const temporality = (m) => (m.aggregationTemporality === AggregationTemporality.DELTA ? 1 : 2);
  return {
    resourceMetrics: [{
      resource: resource(rm.resource),
      schemaUrl: rm.resource.schemaUrl || '',
      scopeMetrics: rm.scopeMetrics.map((sm) => ({
        scope: scope(sm.scope),
        schemaUrl: sm.scope.schemaUrl || '',
        metrics: sm.metrics.map((m) => {
          const out = { name: m.descriptor.name, description: m.descriptor.description, unit: m.descriptor.unit };
          if (m.dataPointType === DataPointType.SUM) {
            out.sum = { aggregationTemporality: temporality(m), isMonotonic: m.isMonotonic, dataPoints: number(m) };
          } else if (m.dataPointType === DataPointType.GAUGE) {
            out.gauge = { dataPoints: number(m) };
          } else if (m.dataPointType === DataPointType.HISTOGRAM) {
            out.histogram = {
              aggregationTemporality: temporality(m),
              dataPoints: m.dataPoints.map((p) => Object.assign(point(p), {
                count: String(p.value.count),
                sum: p.value.sum,
                min: p.value.min,
                max: p.value.max,
                bucketCounts: p.value.buckets.counts.map(String),
                explicitBounds: p.value.buckets.boundaries,
              })),
            };
          } else {
            throw new Error(`emit.js: unexpected data point type ${m.dataPointType}`);
          }
          return out;
        }),
      })),
    }],
  };
}

function logsRequest(records) {
  const resourceLogs = [];
  for (const [res, scopes] of group(records, (r) => r.resource, (r) => r.instrumentationScope)) {
    resourceLogs.push({
      resource: resource(res),
      schemaUrl: res.schemaUrl || '',
      scopeLogs: [...scopes.values()].map(({ scope: sc, records: recs }) => ({
        scope: scope(sc),
        schemaUrl: sc.schemaUrl || '',
        logRecords: recs.map((r) => {
          const out = {
            timeUnixNano: nanos(r.hrTime),
            observedTimeUnixNano: nanos(r.hrTimeObserved),
            severityNumber: r.severityNumber || 0,
            severityText: r.severityText || '',
            body: anyValue(r.body),
            attributes: attributes(r.attributes),
            droppedAttributesCount: r.droppedAttributesCount || 0,
            eventName: r.eventName || '',
          };
          if (r.spanContext) {
            out.traceId = b64(r.spanContext.traceId);
            out.spanId = b64(r.spanContext.spanId);
            out.flags = r.spanContext.traceFlags;
          }
          return out;
        }),
      })),
    });
  }
  return { resourceLogs };
}

// ---- exporters that record what they are handed, then pass it on ----

const failures = [];
function checkResult(signal, result) {
  if (result.code !== ExportResultCode.SUCCESS) {
    failures.push(`${signal}: ${result.error ? result.error.message || result.error : 'failed'}`);
  }
}

function recording(signal, inner, toRequest, sent) {
  const wrapper = {
    export(items, done) {
      sent.push(toRequest(items));
      inner.export(items, (result) => {
        checkResult(signal, result);
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => (inner.forceFlush ? inner.forceFlush() : Promise.resolve()),
  };
  if (inner.selectAggregationTemporality) {
    wrapper.selectAggregationTemporality = inner.selectAggregationTemporality.bind(inner);
  }
  if (inner.selectAggregation) wrapper.selectAggregation = inner.selectAggregation.bind(inner);
  return wrapper;
}

// ---- the data ----

const hex = (n, bytes) => n.toString(16).padStart(bytes * 2, '0');
let nextSpan = 1;
const idGenerator = {
  generateTraceId: () => `${hex(run, 1)}${'a1'.repeat(11)}${hex(nextSpan, 4)}`,
  generateSpanId: () => `${hex(run, 1)}b2b2b2${hex(nextSpan++, 4)}`,
};

const serviceResource = resourceFromAttributes({
  'service.name': 'collector-js-peer',
  'service.instance.id': `run-${run}`,
  'deployment.environment.name': 'loopback',
  'host.cpu.count': 2,
});
const T0 = [1700000000, 123456789];  // every timestamp is T0 + a few ms
const at = (ms) => [T0[0], T0[1] + ms * 1000000];

const everyType = {
  'attr.string': 'value',
  'attr.empty_string': '',
  'attr.bool': true,
  'attr.int': 42,
  'attr.negative_int': -7,
  'attr.big_int': 9007199254740991,
  'attr.double': 3.25,
  'attr.string_array': ['a', 'b', ''],
  'attr.bool_array': [true, false],
  'attr.int_array': [1, 2, 3],
  'attr.double_array': [0.5, -1.5],
};

async function emitTraces(sent) {
  const exporter = recording('traces', new OTLPTraceExporter(exporterOptions('traces')), traceRequest, sent);
  const provider = new BasicTracerProvider({
    resource: serviceResource,
    idGenerator,
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 60000, maxExportBatchSize: 4 })],
  });
  const tracer = provider.getTracer('collector-js-peer/tracer', '1.2.3', {
    schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
  });
  const remoteParent = api.trace.setSpanContext(api.ROOT_CONTEXT, {
    traceId: `${hex(run, 1)}${'c3'.repeat(15)}`,
    spanId: `${hex(run, 1)}d4d4d4d4d4d4d4`,
    traceFlags: api.TraceFlags.SAMPLED,
    isRemote: true,
    traceState: api.createTraceState('vendor=value,other=1'),
  });
  const root = tracer.startSpan('root', {
    kind: api.SpanKind.SERVER,
    startTime: at(0),
    attributes: everyType,
  }, remoteParent);
  root.addEvent('event.with.attributes', { 'event.int': 1, 'event.string': 's' }, at(1));
  root.addEvent('event.plain', at(2));
  root.setStatus({ code: api.SpanStatusCode.OK });

  const kinds = [api.SpanKind.INTERNAL, api.SpanKind.CLIENT, api.SpanKind.PRODUCER, api.SpanKind.CONSUMER];
  const children = [];
  kinds.forEach((kind, i) => {
    const child = tracer.startSpan(`child-${i}`, {
      kind,
      startTime: at(10 + i),
      attributes: { 'child.index': i, 'child.ratio': i + 0.5 },
      links: [
        { context: root.spanContext(), attributes: { 'link.kind': 'root' } },
        { context: api.trace.getSpanContext(remoteParent) },
      ],
    }, api.trace.setSpan(api.ROOT_CONTEXT, root));
    if (i === 1) child.setStatus({ code: api.SpanStatusCode.ERROR, message: 'backend said no' });
    children.push(child);
  });
  children.forEach((c, i) => c.end(at(20 + i)));
  root.end(at(30));

  const other = provider.getTracer('collector-js-peer/other-scope');  // no version, no schema URL
  const lone = other.startSpan('lone root', { startTime: at(40), root: true });
  lone.end(at(41));

  await provider.forceFlush();
  await provider.shutdown();
}

async function emitMetrics(sent) {
  const exporter = recording('metrics', new OTLPMetricExporter(exporterOptions('metrics')), metricsRequest, sent);
  const provider = new MeterProvider({
    resource: serviceResource,
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 600000 })],
  });
  const meter = provider.getMeter('collector-js-peer/meter', '4.5.6', {
    schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
  });
  const requests = meter.createCounter('peer.requests', {
    description: 'requests handled', unit: '{request}', valueType: api.ValueType.INT,
  });
  requests.add(3, { 'http.route': '/a', 'http.ok': true });
  requests.add(4, { 'http.route': '/a', 'http.ok': true });
  requests.add(5, { 'http.route': '/b', 'http.ok': false });
  const bytes = meter.createCounter('peer.bytes', { unit: 'By' });  // a double sum
  bytes.add(1.5);
  bytes.add(2.25);
  const queue = meter.createUpDownCounter('peer.queue.length', { valueType: api.ValueType.INT });
  queue.add(10, { queue: 'q1' });
  queue.add(-3, { queue: 'q1' });
  const temperature = meter.createGauge('peer.temperature', { unit: 'Cel', description: 'last reading' });
  temperature.record(21.5, { room: 'a' });
  temperature.record(-4.75, { room: 'b' });
  const latency = meter.createHistogram('peer.latency', {
    unit: 'ms',
    description: 'request latency',
    advice: { explicitBucketBoundaries: [0, 5, 10, 25, 50, 100] },
  });
  for (const v of [0, 1, 4.5, 7, 12, 30, 30, 99.5, 250]) latency.record(v, { 'http.route': '/a' });
  latency.record(3, { 'http.route': '/b' });
  await provider.shutdown();  // collects and exports once
}

async function emitLogs(sent) {
  const exporter = recording('logs', new OTLPLogExporter(exporterOptions('logs')), logsRequest, sent);
  const provider = new LoggerProvider({
    resource: serviceResource,
    // sdk-logs 0.223 takes the exporter inside the options.
    processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 60000, maxExportBatchSize: 3 })],
  });
  const logger = provider.getLogger('collector-js-peer/logger', '7.8.9', {
    schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
  });
  const spanCtx = api.trace.setSpanContext(api.ROOT_CONTEXT, {
    traceId: `${hex(run, 1)}${'e5'.repeat(15)}`,
    spanId: `${hex(run, 1)}f6f6f6f6f6f6f6`,
    traceFlags: api.TraceFlags.SAMPLED,
  });
  logger.emit({
    timestamp: at(100), observedTimestamp: at(101),
    severityNumber: SeverityNumber.INFO, severityText: 'INFO',
    body: 'a plain string body',
    attributes: Object.assign({ 'log.seq': 0 }, everyType),
    context: spanCtx,
  });
  logger.emit({
    timestamp: at(102), observedTimestamp: at(103),
    severityNumber: SeverityNumber.ERROR2, severityText: 'ERROR',
    body: { message: 'structured', code: 500, ratio: 0.25, ok: false, tags: ['x', 'y'],
            nested: { depth: 2 }, raw: new Uint8Array([0, 1, 254, 255]) },
    attributes: { 'log.seq': 1, 'log.bytes': new Uint8Array([9, 8, 7]), 'log.map': { inner: 'v', n: 3 } },
  });
  logger.emit({
    timestamp: at(104), observedTimestamp: at(105),
    severityNumber: SeverityNumber.WARN,
    body: 17,
    attributes: { 'log.seq': 2 },
    eventName: 'peer.event',
  });
  logger.emit({
    timestamp: at(106), observedTimestamp: at(107),
    severityNumber: SeverityNumber.FATAL4, severityText: 'FATAL',
    body: ['list', 1, 2.5, true],
    attributes: { 'log.seq': 3 },
    context: spanCtx,
  });
  const other = provider.getLogger('collector-js-peer/other-logger');
  other.emit({ timestamp: at(108), observedTimestamp: at(109), body: 'no severity', attributes: { 'log.seq': 4 } });
  await provider.forceFlush();
  await provider.shutdown();
}

async function main() {
  const out = { traces: [], metrics: [], logs: [] };
  await emitTraces(out.traces);
  await emitMetrics(out.metrics);
  await emitLogs(out.logs);
  if (failures.length) {
    process.stderr.write(`emit.js: export failed:\n  ${failures.join('\n  ')}\n`);
    process.exit(1);
  }
  const lines = [];
  for (const signal of ['traces', 'metrics', 'logs']) {
    for (const request of out[signal]) lines.push(`${signal} ${JSON.stringify(request)}\n`);
  }
  process.stdout.write(lines.join(''));
}

main().catch((e) => {
  process.stderr.write(`emit.js: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
