import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  eventually,
  type FaultTarget,
  failureOf,
  NODE_IDS,
  startFaultServer,
} from '../support/e2e/faults.js';
import { type ScrapedSample, samplesOf, scrape, sumOf } from '../support/e2e/metrics.js';

jest.setTimeout(90_000);

// The design's metrics as a Prometheus scrape of an embedded server's control plane sees them.
let target: FaultTarget;
let bucket: string;

beforeAll(async () => {
  target = await startFaultServer();
  bucket = await target.createBucket('metrics');
});

afterEach(async () => {
  await target.faults.reset();
});

afterAll(async () => {
  await target?.close();
});

const scrapeNow = () => scrape(target.adminEndpoint);
const tasks = (task_type: string, extra: Record<string, string> = {}) => ({
  queue: 'tasks',
  task_type,
  ...extra,
});

/** Scrapes until every task published so far has been handled (nothing pending). */
function settled(what: string): Promise<ScrapedSample[]> {
  return eventually(scrapeNow, (samples) => sumOf(samples, 'queue_pending', { queue: 'tasks' }) === 0, {
    what,
  });
}

describe('a PUT, as the storage and queue metrics see it', () => {
  it('acknowledges its bytes once, writes them on R replicas, and runs its upload_completed task', async () => {
    // Prepare
    const before = await settled('an idle queue');
    const body = randomBytes(10_000);

    // Act
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'put/one', Body: body }));
    const after = await eventually(
      scrapeNow,
      (samples) =>
        sumOf(samples, 'dequeue_total', tasks('upload_completed', { outcome: 'ok' })) >
        sumOf(before, 'dequeue_total', tasks('upload_completed', { outcome: 'ok' })),
      { what: 'the upload_completed task handled' },
    );

    // Assess: R = 2 (REPLICATION_FACTOR's default), so twice the bytes reached the nodes.
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sumOf(after, name, labels) - sumOf(before, name, labels);
    expect(delta('s3_bytes_acknowledged_total')).toBe(10_000);
    expect(delta('storage_bytes_written_total')).toBe(20_000);
    expect(sumOf(after, 'write_amplification_ratio')).toBe(2);
    expect(delta('enqueue_total', tasks('upload_completed'))).toBe(1);
    expect(delta('storage_node_io_duration_seconds_count', { operation: 'put' })).toBe(2);
    expect(samplesOf(after, 'consumer_lag_seconds', { queue: 'tasks' })).toHaveLength(1);
  });

  it('serves every node as up with the bytes it holds', async () => {
    // Prepare
    await target.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'put/two', Body: randomBytes(4096) }),
    );

    // Act: nothing in this file deletes a blob, so the nodes hold every byte written to them; the
    // node census is reused for a couple of seconds, so a fresh one is awaited.
    const samples = await eventually(
      scrapeNow,
      (scraped) =>
        sumOf(scraped, 'storage_node_used_bytes') === sumOf(scraped, 'storage_bytes_written_total') &&
        sumOf(scraped, 'storage_bytes_written_total') > 0,
      { what: 'the nodes reporting the bytes written to them' },
    );

    // Assess
    for (const node of NODE_IDS) {
      expect(sumOf(samples, 'storage_node_up', { node })).toBe(1);
      expect(sumOf(samples, 'storage_node_used_bytes', { node })).toBe(
        sumOf(samples, 'storage_bytes_written_total', { node }),
      );
    }
  });
});

describe('fault_rule_hits_total', () => {
  it("serves a rule's hits while the rule exists, and drops its series when it is deleted", async () => {
    // Prepare
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'rule/a', Body: 'a' }));
    const rule = await target.faults.addRule({
      match: { point: 'http.server', operation: 'GetObject', bucket },
      fault: { type: 's3_error', code: 'SlowDown' },
      scenario: 'metrics-drill',
      times: 2,
    });

    // Act
    const refusals = [
      await failureOf(target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'rule/a' }))),
      await failureOf(target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'rule/a' }))),
    ];
    const whileLive = await scrapeNow();
    await target.faults.removeRule(rule.id);
    const afterDelete = await scrapeNow();

    // Assess
    expect(refusals.map((error) => (error as { name?: string }).name)).toEqual(['SlowDown', 'SlowDown']);
    expect(
      samplesOf(whileLive, 'fault_rule_hits_total', {
        rule_id: rule.id,
        scenario: 'metrics-drill',
        point: 'http.server',
        type: 's3_error',
      }).map((sample) => sample.value),
    ).toEqual([2]);
    expect(sumOf(whileLive, 'fault_point_covered', { point: 'http.server' })).toBe(1);
    expect(sumOf(whileLive, 'fault_coverage_ratio')).toBeGreaterThan(0);
    expect(samplesOf(afterDelete, 'fault_rule_hits_total', { rule_id: rule.id })).toEqual([]);
    // The per-service counter is not per rule: it keeps its count.
    expect(sumOf(afterDelete, 'fault_injections_total', { scenario: 'metrics-drill' })).toBe(2);
  });
});

describe('dead letters', () => {
  it('counts a task poisoned at queue.publish once it has failed every attempt', async () => {
    // Prepare
    const before = await settled('an idle queue');
    await target.faults.addRule({
      match: { service: 'async', point: 'queue.publish', operation: 'upload_completed' },
      fault: { type: 'dead_letter' },
      times: 1,
    });

    // Act: QUEUE_MAX_ATTEMPTS (5) deliveries, 100 ms apart and doubling: about 1.5 s.
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'poisoned', Body: 'p' }));
    const after = await settled('the poisoned task dead-lettered');

    // Assess
    const delta = (name: string, labels: Record<string, string>) =>
      sumOf(after, name, labels) - sumOf(before, name, labels);
    expect(delta('dead_letters_total', tasks('upload_completed'))).toBe(1);
    expect(delta('dequeue_total', tasks('upload_completed', { outcome: 'retry' }))).toBe(4);
    expect(delta('dequeue_total', tasks('upload_completed', { outcome: 'dead_letter' }))).toBe(1);
    expect(delta('queue_dead_letters', { queue: 'tasks' })).toBe(1);
  });
});
