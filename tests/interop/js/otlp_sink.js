#!/usr/bin/env node
// An OTLP trace and metrics receiver for the interop tests, decoding with the official OpenTelemetry
// JS code: the protobufjs classes that @opentelemetry/otlp-transformer generates from the OTLP
// .proto files.
//
//   node otlp_sink.js [OUTPUT_FILE]
//
// Listens on 127.0.0.1 (two ports chosen by the system):
//   * OTLP/HTTP: POST /v1/traces and /v1/metrics, Content-Type application/x-protobuf or
//     application/json, optionally Content-Encoding: gzip;
//   * OTLP/gRPC: opentelemetry.proto.collector.trace.v1.TraceService/Export and
//     opentelemetry.proto.collector.metrics.v1.MetricsService/Export (raw-buffer (de)serializers;
//     the body is decoded with the generated Export{Trace,Metrics}ServiceRequest.decode).
// Prints {"http_port":N,"grpc_port":M} as the first line on stdout, answers every valid request
// with success, and writes each decoded request as one JSON line to OUTPUT_FILE (appended), or to
// stdout when no file is given. A line is written before the request is answered, so once the
// client has its answer the line is there.
//
// Each line: {"transport":"http"|"grpc","signal":"traces"|"metrics","path":...,"content_type":...,
//             "content_encoding":..., "request":<normalised Export{Trace,Metrics}ServiceRequest>}
// or, for a request that could not
// be decoded, the same with "error":"..." instead of "request" (and the client gets a failure).
// OTLP/JSON requests also get "json_violations": [...], what breaks the OTLP/JSON rules (see
// checkJson) while still decoding.
// Normalised: snake_case field names as in the .proto files; trace/span ids as lowercase hex;
// 64-bit integers as decimal strings; enums as integers; absent scalars as their proto3 defaults;
// every AnyValue as {"type":T, ...}: {"type":"string","value":s}, {"type":"bool","value":b},
// {"type":"int","value":"-5"}, {"type":"double","value":"1.5"} (JS shortest round-trip text, or
// "NaN", "Infinity", "-Infinity", "-0"), {"type":"bytes","value":hex},
// {"type":"array","values":[...]}, {"type":"kvlist","values":[{"key":k,"value":v}]},
// {"type":"empty"} for an AnyValue with no value set.
// Metrics: every metric has "type" (sum, gauge, histogram, exponential_histogram, summary),
// "aggregation_temporality" and "is_monotonic" (0/false when the type has none) and "data_points";
// a number point's value is {"type":"int"|"double",...} as an AnyValue, or {"type":"empty"};
// optional doubles (histogram sum, min, max) are null when absent; bucket counts are decimal
// strings, explicit bounds doubles as text.
//
// Exits when stdin closes (so a test that dies never leaves it behind) or on SIGTERM / SIGINT.
'use strict';

const fs = require('fs');
const http = require('http');
const zlib = require('zlib');
const grpc = require('@grpc/grpc-js');
// package.json pins @opentelemetry/otlp-transformer 0.216.0: the last release whose protobufjs
// root (pbjs static-module, generated from the OTLP .proto files) holds the trace messages. 0.217.0
// keeps only the metrics ones, and later releases replaced protobufjs with hand-written encoders
// that cannot decode a request.
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');

const collectorPb = root.opentelemetry &&
  root.opentelemetry.proto.collector &&
  root.opentelemetry.proto.collector.trace &&
  root.opentelemetry.proto.collector.trace.v1;
if (!collectorPb || typeof collectorPb.ExportTraceServiceRequest.decode !== 'function') {
  process.stderr.write('otlp_sink: this @opentelemetry/otlp-transformer has no generated ' +
    'ExportTraceServiceRequest decoder (see the pinned version in package.json)\n');
  process.exit(2);
}
const ExportTraceServiceRequest = collectorPb.ExportTraceServiceRequest;
const ExportTraceServiceResponse = collectorPb.ExportTraceServiceResponse;
const metricsPb = root.opentelemetry.proto.collector.metrics &&
  root.opentelemetry.proto.collector.metrics.v1;
if (!metricsPb || typeof metricsPb.ExportMetricsServiceRequest.decode !== 'function') {
  process.stderr.write('otlp_sink: this @opentelemetry/otlp-transformer has no generated ' +
    'ExportMetricsServiceRequest decoder (see the pinned version in package.json)\n');
  process.exit(2);
}
const ExportMetricsServiceRequest = metricsPb.ExportMetricsServiceRequest;
const ExportMetricsServiceResponse = metricsPb.ExportMetricsServiceResponse;

const kMaxBody = 64 * 1024 * 1024;
const outputFile = process.argv[2] || null;

// ------------------------------------------------------------------------------------------------
// Output

function emit(record) {
  const line = JSON.stringify(record) + '\n';
  if (outputFile) {
    fs.appendFileSync(outputFile, line);
  } else {
    // stdout to a pipe or file is synchronous on Linux.
    process.stdout.write(line);
  }
}

// ------------------------------------------------------------------------------------------------
// Normalisation of a decoded (protobufjs) ExportTraceServiceRequest

function hex(bytes) {
  if (bytes == null) return '';
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

// int64 / uint64 / fixed64 as a decimal string. protobufjs gives a Long (the 'long' package is
// present), or a number for small values decoded from JSON.
function int64(v, unsigned) {
  if (v == null) return '0';
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`64-bit integer ${v} lost precision`);
    return String(v);
  }
  if (typeof v === 'string') return v;
  // Long: fixed64 fields decode as unsigned Longs, int64 as signed.
  if (typeof v.toString === 'function' && 'low' in v && 'high' in v) {
    if (unsigned && !v.unsigned && typeof v.toUnsigned === 'function') return v.toUnsigned().toString();
    return v.toString();
  }
  throw new Error(`unexpected 64-bit integer representation ${JSON.stringify(v)}`);
}

function uint32(v) {
  return v == null ? 0 : v >>> 0;
}

function str(v) {
  return v == null ? '' : String(v);
}

function doubleText(x) {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

function has(message, field) {
  return message[field] != null && Object.prototype.hasOwnProperty.call(message, field);
}

function anyValue(v) {
  if (v == null) return { type: 'empty' };
  if (has(v, 'stringValue')) return { type: 'string', value: v.stringValue };
  if (has(v, 'boolValue')) return { type: 'bool', value: !!v.boolValue };
  if (has(v, 'intValue')) return { type: 'int', value: int64(v.intValue, false) };
  if (has(v, 'doubleValue')) return { type: 'double', value: doubleText(Number(v.doubleValue)) };
  if (has(v, 'arrayValue')) {
    return { type: 'array', values: (v.arrayValue.values || []).map(anyValue) };
  }
  if (has(v, 'kvlistValue')) {
    return { type: 'kvlist', values: keyValues(v.kvlistValue.values) };
  }
  if (has(v, 'bytesValue')) return { type: 'bytes', value: hex(v.bytesValue) };
  return { type: 'empty' };
}

function keyValues(list) {
  return (list || []).map((kv) => ({ key: str(kv.key), value: anyValue(kv.value) }));
}

function normaliseSpan(s) {
  return {
    trace_id: hex(s.traceId),
    span_id: hex(s.spanId),
    trace_state: str(s.traceState),
    parent_span_id: hex(s.parentSpanId),
    flags: uint32(s.flags),
    name: str(s.name),
    kind: s.kind == null ? 0 : Number(s.kind),
    start_time_unix_nano: int64(s.startTimeUnixNano, true),
    end_time_unix_nano: int64(s.endTimeUnixNano, true),
    attributes: keyValues(s.attributes),
    dropped_attributes_count: uint32(s.droppedAttributesCount),
    events: (s.events || []).map((e) => ({
      time_unix_nano: int64(e.timeUnixNano, true),
      name: str(e.name),
      attributes: keyValues(e.attributes),
      dropped_attributes_count: uint32(e.droppedAttributesCount),
    })),
    dropped_events_count: uint32(s.droppedEventsCount),
    links: (s.links || []).map((l) => ({
      trace_id: hex(l.traceId),
      span_id: hex(l.spanId),
      trace_state: str(l.traceState),
      attributes: keyValues(l.attributes),
      dropped_attributes_count: uint32(l.droppedAttributesCount),
      flags: uint32(l.flags),
    })),
    dropped_links_count: uint32(s.droppedLinksCount),
    status: {
      message: str(s.status && s.status.message),
      code: s.status && s.status.code != null ? Number(s.status.code) : 0,
    },
  };
}

function normaliseRequest(req) {
  return {
    resource_spans: (req.resourceSpans || []).map((rs) => ({
      resource: rs.resource
        ? {
            attributes: keyValues(rs.resource.attributes),
            dropped_attributes_count: uint32(rs.resource.droppedAttributesCount),
          }
        : null,
      schema_url: str(rs.schemaUrl),
      scope_spans: (rs.scopeSpans || []).map((ss) => ({
        scope: ss.scope
          ? {
              name: str(ss.scope.name),
              version: str(ss.scope.version),
              attributes: keyValues(ss.scope.attributes),
              dropped_attributes_count: uint32(ss.scope.droppedAttributesCount),
            }
          : null,
        schema_url: str(ss.schemaUrl),
        spans: (ss.spans || []).map(normaliseSpan),
      })),
    })),
  };
}

// ------------------------------------------------------------------------------------------------
// Normalisation of a decoded ExportMetricsServiceRequest

function optionalDouble(message, field) {
  return has(message, field) ? doubleText(Number(message[field])) : null;
}

function numberValue(p) {
  if (has(p, 'asInt')) return { type: 'int', value: int64(p.asInt, false) };
  if (has(p, 'asDouble')) return { type: 'double', value: doubleText(Number(p.asDouble)) };
  return { type: 'empty' };
}

function normaliseExemplar(e) {
  return {
    filtered_attributes: keyValues(e.filteredAttributes),
    time_unix_nano: int64(e.timeUnixNano, true),
    value: numberValue(e),
    span_id: hex(e.spanId),
    trace_id: hex(e.traceId),
  };
}

function pointCommon(p) {
  return {
    attributes: keyValues(p.attributes),
    start_time_unix_nano: int64(p.startTimeUnixNano, true),
    time_unix_nano: int64(p.timeUnixNano, true),
    exemplars: (p.exemplars || []).map(normaliseExemplar),
    flags: uint32(p.flags),
  };
}

function buckets(b) {
  return {
    offset: b ? Number(b.offset || 0) : 0,
    bucket_counts: ((b && b.bucketCounts) || []).map((c) => int64(c, true)),
  };
}

function normaliseMetric(m) {
  const out = {
    name: str(m.name),
    description: str(m.description),
    unit: str(m.unit),
    type: 'none',
    aggregation_temporality: 0,
    is_monotonic: false,
    data_points: [],
  };
  if (has(m, 'sum')) {
    out.type = 'sum';
    out.aggregation_temporality = Number(m.sum.aggregationTemporality || 0);
    out.is_monotonic = !!m.sum.isMonotonic;
    out.data_points = (m.sum.dataPoints || []).map((p) => ({ ...pointCommon(p), value: numberValue(p) }));
  } else if (has(m, 'gauge')) {
    out.type = 'gauge';
    out.data_points = (m.gauge.dataPoints || []).map((p) => ({ ...pointCommon(p), value: numberValue(p) }));
  } else if (has(m, 'histogram')) {
    out.type = 'histogram';
    out.aggregation_temporality = Number(m.histogram.aggregationTemporality || 0);
    out.data_points = (m.histogram.dataPoints || []).map((p) => ({
      ...pointCommon(p),
      count: int64(p.count, true),
      sum: optionalDouble(p, 'sum'),
      min: optionalDouble(p, 'min'),
      max: optionalDouble(p, 'max'),
      bucket_counts: (p.bucketCounts || []).map((c) => int64(c, true)),
      explicit_bounds: (p.explicitBounds || []).map((b) => doubleText(Number(b))),
    }));
  } else if (has(m, 'exponentialHistogram')) {
    out.type = 'exponential_histogram';
    out.aggregation_temporality = Number(m.exponentialHistogram.aggregationTemporality || 0);
    out.data_points = (m.exponentialHistogram.dataPoints || []).map((p) => ({
      ...pointCommon(p),
      count: int64(p.count, true),
      sum: optionalDouble(p, 'sum'),
      min: optionalDouble(p, 'min'),
      max: optionalDouble(p, 'max'),
      scale: Number(p.scale || 0),
      zero_count: int64(p.zeroCount, true),
      zero_threshold: doubleText(Number(p.zeroThreshold || 0)),
      positive: buckets(p.positive),
      negative: buckets(p.negative),
    }));
  } else if (has(m, 'summary')) {
    out.type = 'summary';
  }
  return out;
}

function normaliseMetricsRequest(req) {
  return {
    resource_metrics: (req.resourceMetrics || []).map((rm) => ({
      resource: rm.resource
        ? {
            attributes: keyValues(rm.resource.attributes),
            dropped_attributes_count: uint32(rm.resource.droppedAttributesCount),
          }
        : null,
      schema_url: str(rm.schemaUrl),
      scope_metrics: (rm.scopeMetrics || []).map((sm) => ({
        scope: sm.scope
          ? {
              name: str(sm.scope.name),
              version: str(sm.scope.version),
              attributes: keyValues(sm.scope.attributes),
              dropped_attributes_count: uint32(sm.scope.droppedAttributesCount),
            }
          : null,
        schema_url: str(sm.schemaUrl),
        metrics: (sm.metrics || []).map(normaliseMetric),
      })),
    })),
  };
}

// ------------------------------------------------------------------------------------------------
// OTLP/JSON: JSON.parse, then the generated fromObject, which takes the proto3 JSON mapping's
// lowerCamelCase names, 64-bit integers as strings or numbers, enums as integers (or names) and
// bytes as base64. OTLP/JSON differs from proto3 JSON only in the ids, which are hex: turn those
// into bytes first (other bytes fields, e.g. AnyValue.bytesValue, stay base64).

function hexToBytes(value, what, size) {
  if (value == null || value === '') return value;
  if (typeof value !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(value)) {
    throw new Error(`${what} is not a hex string: ${JSON.stringify(value)}`);
  }
  if (value.length !== 2 * size) {
    throw new Error(`${what} has ${value.length / 2} bytes, expected ${size}: ${JSON.stringify(value)}`);
  }
  return Buffer.from(value, 'hex');
}

// What OTLP/JSON requires beyond what fromObject checks: lowerCamelCase keys only, enums as
// integers, 64-bit integers as decimal strings. Found problems are reported on the request's line
// ("json_violations") without failing the request, as a lenient receiver would accept it.
const k64BitFields = new Set(['startTimeUnixNano', 'endTimeUnixNano', 'timeUnixNano', 'intValue',
  'asInt', 'count', 'zeroCount']);
const k64BitArrayFields = new Set(['bucketCounts']);
const kEnumFields = new Set(['kind', 'code', 'aggregationTemporality']);

function checkJson(value, path, violations) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkJson(v, `${path}[${i}]`, violations));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, v] of Object.entries(value)) {
    const where = path ? `${path}.${key}` : key;
    if (key.includes('_')) violations.push(`${where}: key is not lowerCamelCase`);
    if (k64BitFields.has(key) && typeof v !== 'string') {
      violations.push(`${where}: 64-bit integer not a decimal string: ${JSON.stringify(v)}`);
    } else if (k64BitFields.has(key) && !/^-?[0-9]+$/.test(v)) {
      violations.push(`${where}: not a decimal integer: ${JSON.stringify(v)}`);
    }
    if (k64BitArrayFields.has(key) && Array.isArray(v)) {
      v.forEach((item, i) => {
        if (typeof item !== 'string' || !/^[0-9]+$/.test(item)) {
          violations.push(`${where}[${i}]: 64-bit integer not a decimal string: ${JSON.stringify(item)}`);
        }
      });
    }
    if (kEnumFields.has(key) && !Number.isInteger(v)) {
      violations.push(`${where}: enum not an integer: ${JSON.stringify(v)}`);
    }
    checkJson(v, where, violations);
  }
}

// Exemplars in every kind of data point carry hex ids too.
function exemplarIdsToBytes(points) {
  for (const p of points || []) {
    for (const e of p.exemplars || []) {
      e.traceId = hexToBytes(e.traceId, 'exemplars.traceId', 16);
      e.spanId = hexToBytes(e.spanId, 'exemplars.spanId', 8);
    }
  }
}

function decodeMetricsJson(text, violations) {
  const object = JSON.parse(text);
  checkJson(object, '', violations);
  for (const rm of object.resourceMetrics || []) {
    for (const sm of rm.scopeMetrics || []) {
      for (const m of sm.metrics || []) {
        for (const kind of ['sum', 'gauge', 'histogram', 'exponentialHistogram', 'summary']) {
          if (m[kind]) exemplarIdsToBytes(m[kind].dataPoints);
        }
      }
    }
  }
  return ExportMetricsServiceRequest.fromObject(object);
}

function decodeJson(text, violations) {
  const object = JSON.parse(text);
  checkJson(object, '', violations);
  for (const rs of object.resourceSpans || []) {
    for (const ss of rs.scopeSpans || []) {
      for (const span of ss.spans || []) {
        span.traceId = hexToBytes(span.traceId, 'traceId', 16);
        span.spanId = hexToBytes(span.spanId, 'spanId', 8);
        span.parentSpanId = hexToBytes(span.parentSpanId, 'parentSpanId', 8);
        for (const link of span.links || []) {
          link.traceId = hexToBytes(link.traceId, 'links.traceId', 16);
          link.spanId = hexToBytes(link.spanId, 'links.spanId', 8);
        }
      }
    }
  }
  return ExportTraceServiceRequest.fromObject(object);
}

// ------------------------------------------------------------------------------------------------
// OTLP/HTTP

function mediaType(contentType) {
  return String(contentType || '').split(';')[0].trim().toLowerCase();
}

function handleHttp(req, res) {
  const chunks = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > kMaxBody) {
      tooLarge = true;
      return;
    }
    chunks.push(chunk);
  });
  req.on('error', () => {});
  req.on('end', () => {
    const contentType = mediaType(req.headers['content-type']);
    const contentEncoding = String(req.headers['content-encoding'] || 'identity').toLowerCase();
    const path = req.url.split('?')[0];
    const signal = path === '/v1/metrics' ? 'metrics' : 'traces';
    const record = {
      transport: 'http',
      signal,
      path: req.url,
      content_type: contentType,
      content_encoding: contentEncoding,
    };
    const reply = (status, type, body) => {
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': body.length });
      res.end(body);
    };
    const fail = (status, message) => {
      record.error = message;
      emit(record);
      reply(status, 'text/plain', Buffer.from(message));
    };

    if (req.method !== 'POST' || (path !== '/v1/traces' && path !== '/v1/metrics')) {
      return fail(404, `no handler for ${req.method} ${req.url}`);
    }
    if (tooLarge) return fail(413, 'request body larger than 64 MiB');
    let body = Buffer.concat(chunks);
    try {
      if (contentEncoding === 'gzip') {
        body = zlib.gunzipSync(body, { maxOutputLength: kMaxBody });
      } else if (contentEncoding !== 'identity') {
        return fail(415, `unsupported Content-Encoding ${contentEncoding}`);
      }
    } catch (e) {
      return fail(400, `gzip: ${e.message}`);
    }

    let decoded;
    try {
      const metrics = signal === 'metrics';
      if (contentType === 'application/x-protobuf') {
        decoded = (metrics ? ExportMetricsServiceRequest : ExportTraceServiceRequest).decode(body);
      } else if (contentType === 'application/json') {
        const violations = [];
        decoded = (metrics ? decodeMetricsJson : decodeJson)(body.toString('utf8'), violations);
        record.json_violations = violations;
      } else {
        return fail(415, `unsupported Content-Type ${contentType}`);
      }
      record.request = metrics ? normaliseMetricsRequest(decoded) : normaliseRequest(decoded);
    } catch (e) {
      return fail(400, `decode: ${e.message}`);
    }
    emit(record);
    if (contentType === 'application/json') {
      reply(200, 'application/json', Buffer.from('{}'));
    } else {
      const Response = signal === 'metrics' ? ExportMetricsServiceResponse : ExportTraceServiceResponse;
      reply(200, 'application/x-protobuf', Buffer.from(Response.encode({}).finish()));
    }
  });
}

// ------------------------------------------------------------------------------------------------
// OTLP/gRPC

const identity = (buffer) => buffer;
function rawService(path) {
  return {
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
}
const traceService = rawService('/opentelemetry.proto.collector.trace.v1.TraceService/Export');
const metricsService = rawService('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export');

function grpcExportHandler(signal, service, Request, Response, normalise) {
  return (call, callback) => {
    const encoding = call.metadata.get('grpc-encoding');
    const record = {
      transport: 'grpc',
      signal,
      path: service.Export.path,
      content_type: 'application/grpc',
      content_encoding: encoding.length ? String(encoding[0]) : 'identity',
    };
    try {
      record.request = normalise(Request.decode(call.request));
    } catch (e) {
      record.error = `decode: ${e.message}`;
      emit(record);
      return callback({ code: grpc.status.INVALID_ARGUMENT, details: record.error });
    }
    emit(record);
    callback(null, Buffer.from(Response.encode({}).finish()));
  };
}

// ------------------------------------------------------------------------------------------------
// Start-up and shutdown

const httpServer = http.createServer(handleHttp);
httpServer.keepAliveTimeout = 30000;
const grpcServer = new grpc.Server({
  'grpc.max_receive_message_length': kMaxBody,
});
grpcServer.addService(traceService, {
  Export: grpcExportHandler('traces', traceService, ExportTraceServiceRequest,
                            ExportTraceServiceResponse, normaliseRequest),
});
grpcServer.addService(metricsService, {
  Export: grpcExportHandler('metrics', metricsService, ExportMetricsServiceRequest,
                            ExportMetricsServiceResponse, normaliseMetricsRequest),
});

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  try {
    grpcServer.forceShutdown();
  } catch (e) {
    // already down
  }
  httpServer.closeAllConnections && httpServer.closeAllConnections();
  httpServer.close();
  process.exit(code);
}

process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
process.stdin.on('end', () => stop(0));
process.stdin.on('close', () => stop(0));
process.stdin.on('error', () => stop(0));
process.stdin.resume();

function startHttp() {
  return new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(0, '127.0.0.1', () => resolve(httpServer.address().port));
  });
}

function startGrpc() {
  return new Promise((resolve, reject) => {
    grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) return reject(err);
      resolve(port);
    });
  });
}

Promise.all([startHttp(), startGrpc()])
  .then(([httpPort, grpcPort]) => {
    // The first stdout line, always: the ports.
    process.stdout.write(JSON.stringify({ http_port: httpPort, grpc_port: grpcPort }) + '\n');
  })
  .catch((e) => {
    process.stderr.write(`otlp_sink: cannot listen: ${e.stack || e}\n`);
    stop(1);
  });
