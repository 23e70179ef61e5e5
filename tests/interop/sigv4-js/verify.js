// Signs a request again with the aws4 npm package and prints its Authorization header, so the
// collector's tests can compare it with the one adot-collector sent.
//   node verify.js request.json
// request.json: {"method", "path", "headers": [[name, value], ...] (as received, Content-Length
// left out), "body_base64", "region", "service", "credentials": {"accessKeyId", "secretAccessKey",
// "sessionToken"}}. The signing time is the request's X-Amz-Date.
'use strict';
const fs = require('fs');
const aws4 = require('aws4');

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const headers = {};
for (const [name, value] of input.headers) headers[name] = value;
const request = {
  method: input.method,
  path: input.path,
  headers,
  body: Buffer.from(input.body_base64, 'base64'),
  region: input.region,
  service: input.service,
  doNotModifyHeaders: true,  // sign the headers as they arrived, add none
};
const credentials = {
  accessKeyId: input.credentials.accessKeyId,
  secretAccessKey: input.credentials.secretAccessKey,
};
if (input.credentials.sessionToken) credentials.sessionToken = input.credentials.sessionToken;
const signer = new aws4.RequestSigner(request, credentials);
const date = Object.entries(headers).find(([name]) => name.toLowerCase() === 'x-amz-date');
if (!date) throw new Error('the request has no X-Amz-Date');
signer.datetime = date[1];
signer.sign();
process.stdout.write(request.headers.Authorization + '\n');
