// Sends X-Ray segments with the official AWS X-Ray SDK for Node.js over the daemon's UDP protocol,
// then writes what it sent (ids, names, parents, the fields the test checks) as JSON.
//   node emit.js <daemon host:port> <output.json>
'use strict';
const fs = require('fs');
const AWSXRay = require('aws-xray-sdk-core');

const [daemonAddress, outputPath] = process.argv.slice(2);
if (!daemonAddress || !outputPath) {
  console.error('usage: node emit.js <daemon host:port> <output.json>');
  process.exit(2);
}
AWSXRay.setDaemonAddress(daemonAddress);
AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
AWSXRay.setLogger({ error: console.error, warn() {}, info() {}, debug() {} });

const sent = [];
function record(doc) {
  sent.push(doc);
}

// 1. A whole segment in one datagram: HTTP request data, an annotation, metadata, a SQL
// subsegment and a remote subsegment that failed.
{
  const segment = new AWSXRay.Segment('checkout');
  segment.addIncomingRequestData(new AWSXRay.middleware.IncomingRequestData({
    method: 'GET',
    url: '/api/cart?id=7',
    headers: { host: 'shop.example', 'user-agent': 'xray-js-test' },
    connection: { remoteAddress: '10.0.0.7', encrypted: false },
  }));
  segment.addAnnotation('customer', 'alice');
  segment.addMetadata('cart', { items: 3 });
  const db = segment.addNewSubsegment('orders@db.example');
  db.addSqlData({ url: 'postgresql://db.example:5432/orders', database_type: 'PostgreSQL',
                  sanitized_query: 'SELECT * FROM orders WHERE id = ?' });
  db.close();
  const remote = segment.addNewSubsegment('payments');
  remote.namespace = 'remote';
  remote.close(new Error('card declined'), true);
  segment.http.close({ statusCode: 200 });
  segment.close();
  record({ name: segment.name, trace_id: segment.trace_id, id: segment.id, parent_id: '',
           annotations: { customer: 'alice' },
           children: [{ name: db.name, id: db.id, parent_id: segment.id, sql: true },
                      { name: remote.name, id: remote.id, parent_id: segment.id, error: true }] });
}

// 2. Streaming: with the threshold at 0, a subsegment that closes while another one is open is
// sent on its own (an independent subsegment with type, trace_id and parent_id).
{
  AWSXRay.SegmentUtils.setStreamingThreshold(0);
  const segment = new AWSXRay.Segment('orders');
  const first = segment.addNewSubsegment('validate');
  const second = segment.addNewSubsegment('store');
  first.close();
  second.addAnnotation('rows', 2);
  second.close();
  segment.close();
  record({ name: segment.name, trace_id: segment.trace_id, id: segment.id, parent_id: '',
           annotations: {},
           children: [{ name: first.name, id: first.id, parent_id: segment.id },
                      { name: second.name, id: second.id, parent_id: segment.id }] });
}

// The SDK sends asynchronously on temporary sockets: give it time before writing and exiting.
setTimeout(() => {
  fs.writeFileSync(outputPath, JSON.stringify(sent, null, 1));
}, 300);
