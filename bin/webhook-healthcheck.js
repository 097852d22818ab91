#!/usr/bin/env node
// The webhook's liveness check (what `python gefyra/healthcheck.py` runs in
// this image, see image/python): POSTs the Gefyra client's health check to
// this pod's webhook and exits 0 on 200. The certificate is not verified: it
// is made out to the Service name, and this talks to the pod on loopback.
// The port is the webhook's own setting, read by its schema as the webhook reads it.
import { request } from 'node:https';
import { loadWebhookSettings } from '../dist/plugins/gefyra2/webhook-settings.js';

let port;
try {
  port = loadWebhookSettings(process.env).port;
} catch (error) {
  console.error(`webhook health check: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const body = JSON.stringify({
  request: {
    resource: { group: 'gefyra.dev', version: 'v1', resource: 'gefyraclients' },
    userInfo: {},
    object: { check: true },
  },
});
const outgoing = request(
  {
    host: '127.0.0.1',
    port,
    path: '/client-parameters',
    method: 'POST',
    rejectUnauthorized: false,
    timeout: 2000,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  },
  (response) => {
    response.resume();
    response.on('end', () => {
      console.log(`webhook answered ${response.statusCode}`);
      process.exitCode = response.statusCode === 200 ? 0 : 1;
    });
  },
);
outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 2 s')));
outgoing.on('error', (error) => {
  console.error(`webhook health check failed: ${error.message}`);
  process.exitCode = 1;
});
outgoing.end(body);
