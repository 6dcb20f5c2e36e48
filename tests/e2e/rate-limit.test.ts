import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { expectS3Error, type RawResponse, rawRequest, sdkError } from '../support/e2e/http.js';
import { type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(120_000);

/** Requests in one burst: far above any limit set here within the time they take to send. */
const BURST = 30;

let target: Target;
let bucket: string;

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('rate');
  await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
});

afterEach(async () => {
  await setRateLimit(undefined);
});

afterAll(async () => {
  await target?.close();
});

/** PUT (or DELETE, back to the default 0) `gateway.rateLimit`; resolves once it is in force here. */
async function setRateLimit(value: number | undefined): Promise<void> {
  const response = await fetch(`${target.adminEndpoint}/api/v1/config/gateway.rateLimit`, {
    method: value === undefined ? 'DELETE' : 'PUT',
    headers: value === undefined ? {} : { 'content-type': 'application/json' },
    ...(value === undefined ? {} : { body: JSON.stringify({ value }) }),
    signal: AbortSignal.timeout(15_000),
  });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
}

/** BURST GETs of the object at once, each on its own connection, as raw HTTP. */
async function burst(path = `/${bucket}/k`, endpoint = target.endpoint): Promise<RawResponse[]> {
  return Promise.all(Array.from({ length: BURST }, () => rawRequest(endpoint, { method: 'GET', path })));
}

describe('gateway.rateLimit', () => {
  it('requests above the limit get 503 SlowDown as S3 XML with a request id', async () => {
    // Prepare
    await setRateLimit(5);

    // Act
    const started = performance.now();
    const answers = await burst();
    const seconds = (performance.now() - started) / 1000;

    // Assess
    const admitted = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status === 503);
    expect(admitted.length + refused.length).toBe(BURST);
    // The limit, plus what the bucket refills while the burst is sent.
    expect(admitted.length).toBeLessThanOrEqual(5 + Math.ceil(seconds * 5));
    expect(refused.length).toBeGreaterThan(0);
    expectS3Error(refused[0]!, 'SlowDown', 503);
  });

  it('the SDK (one attempt) sees SlowDown; 0 turns the limit off at once', async () => {
    // Prepare
    await setRateLimit(1);
    const get = () => target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));

    // Act
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => sdkError(get()).catch(() => ({ name: 'served' }))),
    );
    await setRateLimit(0);
    const afterOff = await burst();

    // Assess
    expect(outcomes.filter((outcome) => outcome.name === 'SlowDown').length).toBeGreaterThan(0);
    expect(afterOff.map((answer) => answer.status)).toEqual(Array(BURST).fill(200));
  });

  it('control-plane requests are never limited', async () => {
    // Prepare
    await setRateLimit(1);

    // Act
    const answers = await burst('/api/v1/injection/status', target.adminEndpoint);

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual(Array(BURST).fill(200));
  });
});
