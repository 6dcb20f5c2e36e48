import { PutBucketCorsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type FaultTarget, startFaultServer } from '../support/e2e/faults.js';
import { expectS3Error, rawRequest } from '../support/e2e/http.js';

jest.setTimeout(60_000);

// Fault drills of browser applications: an injected error must reach the page as the error it is
// (a 503, not an opaque CORS failure), and the browser-only operations are matched by their names.
// Rules are global to a server, so this file starts its own (embedded, faults on), as tests/e2e/faults do.

const ORIGIN = 'https://drill.example.com';

let target: FaultTarget;
let bucket: string;

beforeAll(async () => {
  target = await startFaultServer();
  bucket = await target.createBucket('cors-faults');
  await target.client.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: { CORSRules: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'POST'] }] },
    }),
  );
  await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'page.txt', Body: 'page' }));
});

afterEach(async () => {
  await target.faults.reset();
});

afterAll(async () => {
  await target?.close();
});

describe('injected faults carry the CORS headers of the request', () => {
  it('an s3_error SlowDown on GetObject: 503 with Access-Control-Allow-Origin', async () => {
    // Prepare
    await target.faults.addRule({
      match: { point: 'http.server', operation: 'GetObject', bucket },
      fault: { type: 's3_error', code: 'SlowDown' },
    });

    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}/page.txt`,
      headers: { origin: ORIGIN },
    });

    // Assess
    expectS3Error(response, 'SlowDown', 503);
    expect(response.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(response.headers['access-control-allow-methods']).toBe('GET, POST');
  });

  it('an http_status 502 on GetObject: the given status, with Access-Control-Allow-Origin', async () => {
    // Prepare
    await target.faults.addRule({
      match: { point: 'http.server', operation: 'GetObject', bucket },
      fault: { type: 'http_status', status: 502 },
    });

    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}/page.txt`,
      headers: { origin: ORIGIN },
    });

    // Assess
    expect(response.status).toBe(502);
    expect(response.headers['access-control-allow-origin']).toBe(ORIGIN);
  });
});

describe('rules name the browser operations', () => {
  it('PreflightRequest: a rule on it answers OPTIONS with the injected error', async () => {
    // Prepare
    await target.faults.addRule({
      match: { point: 'http.server', operation: 'PreflightRequest', bucket },
      fault: { type: 's3_error', code: 'ServiceUnavailable' },
    });

    // Act
    const hit = await rawRequest(target.endpoint, {
      method: 'OPTIONS',
      path: `/${bucket}/page.txt`,
      headers: { origin: ORIGIN, 'access-control-request-method': 'GET' },
    });
    const get = await rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}/page.txt` });

    // Assess
    expectS3Error(hit, 'ServiceUnavailable', 503);
    expect(get.status).toBe(200);
  });

  it('PostObject: a rule on it refuses the form upload, nothing is stored', async () => {
    // Prepare
    await target.faults.addRule({
      match: { point: 'http.server', operation: 'PostObject', bucket },
      fault: { type: 's3_error', code: 'SlowDown' },
    });
    const form = new FormData();
    form.append('key', 'posted.txt');
    form.append('file', new Blob(['x']), 'posted.txt');

    // Act
    const response = await fetch(`${target.endpoint}/${bucket}`, {
      method: 'POST',
      body: form,
      headers: { origin: ORIGIN },
    });
    const text = await response.text();
    const after = await rawRequest(target.endpoint, { method: 'HEAD', path: `/${bucket}/posted.txt` });

    // Assess
    expect(response.status).toBe(503);
    expect(text).toContain('<Code>SlowDown</Code>');
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(after.status).toBe(404);
  });
});
