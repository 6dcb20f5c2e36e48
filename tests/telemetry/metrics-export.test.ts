import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { eventually } from '../support/e2e/faults.js';
import { type Target, useTarget } from '../support/e2e/server.js';
import { stackEnv } from '../support/stack/stack-env.js';
import {
  exportedMetricServices,
  type PromSample,
  promQuery,
  telemetryEnv,
} from '../support/telemetry/backends.js';

/**
 * Every process of the stack serves `/metrics` and Prometheus scrapes it (the targets
 * `stack.sh up --telemetry` registers: both serverless-offline instances, each storage node, the
 * front), and the same registries reach the collector over OTLP.
 */
jest.setTimeout(60_000);

const stack = stackEnv();
const telemetry = telemetryEnv();
const SIGNAL = { timeoutMs: 20_000, intervalMs: 250 };
const parts = ['front', 'offline-1', 'offline-2', ...stack.nodeIds].sort();

let target: Target;

beforeAll(async () => {
  target = await useTarget();
});

afterAll(async () => {
  await target?.close();
});

describe('metrics of every process', () => {
  it('are scraped by Prometheus: every part of the stack is up', async () => {
    const up = (samples: PromSample[]) =>
      samples
        .filter((sample) => sample.value === 1)
        .map((sample) => sample.metric.part ?? '')
        .sort();
    const samples = await eventually(
      () => promQuery(telemetry, 'up{job="mock-s3"}'),
      (answer) => up(answer).join() === parts.join(),
      { ...SIGNAL, what: `up{job="mock-s3"} = 1 for ${parts.join(', ')}` },
    );
    expect(up(samples)).toEqual(parts);
  });

  it('reach the collector over OTLP from the front, the storage nodes and serverless-offline', async () => {
    // A request, so the S3 side has something to count besides the process metrics.
    await target.createBucket('otlp-metrics');
    const wanted = ['gateway-front', 'storage-node', 's3-api'];
    const services = await eventually(
      () => exportedMetricServices(telemetry),
      (found) => wanted.every((service) => found.includes(service)),
      { ...SIGNAL, what: `metrics of ${wanted.join(', ')} in collector/metrics.jsonl` },
    );
    expect(services).toEqual(expect.arrayContaining(wanted));
  });
});
