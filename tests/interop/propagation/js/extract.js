// Extracts every case of a propagation case table (../cases.json) with the official OpenTelemetry
// JS propagators and prints one normalised result per case, as JSON, on stdout:
//   [{"name": ..., "result": "span=<trace id>-<span id>-<flags> ts=<tracestate> bag=[k=v;meta|...] debug"}]
// The C++ side (propagation_interop_test.cc) writes the same form and compares case by case.
'use strict';

const fs = require('fs');
const api = require('@opentelemetry/api');
const core = require('@opentelemetry/core');
const { AWSXRayPropagator } = require('@opentelemetry/propagator-aws-xray');
const { B3Propagator } = require('@opentelemetry/propagator-b3');
const { B3_DEBUG_FLAG_KEY } = require('@opentelemetry/propagator-b3/build/src/common');
const { JaegerPropagator } = require('@opentelemetry/propagator-jaeger');

function propagatorFor(name) {
  switch (name) {
    case 'tracecontext': return new core.W3CTraceContextPropagator();
    case 'baggage': return new core.W3CBaggagePropagator();
    case 'xray': return new AWSXRayPropagator();
    case 'b3': return new B3Propagator();
    case 'jaeger': return new JaegerPropagator();
    default: throw new Error(`unknown propagator ${name}`);
  }
}

function composite(list) {
  const propagators = list.split(',').map((n) => propagatorFor(n.trim()));
  return propagators.length === 1 ? propagators[0]
                                  : new core.CompositePropagator({ propagators });
}

// Node's http module lowercases header names and turns a repeated header into an array
// (set-cookie style); the JS propagators are written for that shape.
function carrierOf(headers) {
  const carrier = {};
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    if (key in carrier) {
      carrier[key] = [].concat(carrier[key], value);
    } else {
      carrier[key] = value;
    }
  }
  return carrier;
}

function hex2(n) { return n.toString(16).padStart(2, '0'); }

function describe(ctx) {
  const parts = [];
  const sc = api.trace.getSpanContext(ctx);
  if (sc && api.isSpanContextValid(sc)) {
    parts.push(`span=${sc.traceId}-${sc.spanId}-${hex2(sc.traceFlags)}`);
    const ts = sc.traceState ? sc.traceState.serialize() : '';
    if (ts) parts.push(`ts=${ts}`);
  } else {
    parts.push('span=none');
  }
  const baggage = api.propagation.getBaggage(ctx);
  if (baggage && baggage.getAllEntries().length > 0) {
    const entries = baggage.getAllEntries().map(([k, e]) => {
      const meta = e.metadata ? e.metadata.toString() : '';
      return meta ? `${k}=${e.value};${meta}` : `${k}=${e.value}`;
    });
    parts.push(`bag=[${entries.join('|')}]`);
  }
  if (ctx.getValue(B3_DEBUG_FLAG_KEY)) parts.push('debug');
  return parts.join(' ');
}

function main() {
  const table = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const out = [];
  for (const c of table.cases) {
    let result;
    try {
      const ctx = composite(c.propagators).extract(api.ROOT_CONTEXT, carrierOf(c.headers),
                                                    api.defaultTextMapGetter);
      result = describe(ctx);
    } catch (e) {
      result = `exception: ${e.message}`;
    }
    out.push({ name: c.name, result });
  }
  process.stdout.write(JSON.stringify(out));
}

main();
