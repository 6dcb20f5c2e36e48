import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { eventually, FaultsClient, type FiringView, type RuleView } from '../support/e2e/faults.js';
import { type Target, useTarget } from '../support/e2e/server.js';
import { controlRequest } from '../support/stack/control-plane.js';
import { stackEnv } from '../support/stack/stack-env.js';
import {
  attribute,
  exportedLogRecords,
  jaegerTrace,
  promQuery,
  type ServiceSpan,
  telemetryEnv,
} from '../support/telemetry/backends.js';

/**
 * One fault fired through the test stack (front -> nginx -> serverless-offline -> storage nodes),
 * seen where an operator looks: one trace in Jaeger across the processes with the firing as a span
 * event, the rule's hits in Prometheus, the firing's log record in the collector's file export under
 * the same trace id. The request is an ordinary PutObject through the AWS SDK; the fault is a short
 * latency at `http.server`, so the request goes on to the storage nodes and the trace reaches them.
 */
jest.setTimeout(90_000);

const stack = stackEnv();
const telemetry = telemetryEnv();
/** Export is batched (OTEL_BSP_SCHEDULE_DELAY) and scraped every 2 s: seconds, bounded. */
const SIGNAL = { timeoutMs: 20_000, intervalMs: 250 };

type TracedFiring = FiringView & { traceId?: string; spanId?: string };

let target: Target;
let faults: FaultsClient;
let rule: RuleView;
let firing: TracedFiring;

beforeAll(async () => {
  target = await useTarget();
  faults = new FaultsClient(stack.adminEndpoint);
  const bucket = await target.createBucket('telemetry');
  rule = await faults.addRule({
    scenario: `telemetry-${bucket}`,
    match: { service: 's3-api', point: 'http.server', operation: 'PutObject', bucket },
    fault: { type: 'latency', ms: 20 },
    ttl: '5m',
  });
  // The rule reached through nginx one instance; the request may land on the other.
  for (const port of stack.offlinePorts) {
    await eventually(
      async () =>
        (await controlRequest(`http://127.0.0.1:${port}`, 'GET', `/injection/rules/${rule.id}`)).status,
      (status) => status === 200,
      { timeoutMs: 5_000, intervalMs: 20, what: `rule ${rule.id} on the instance on port ${port}` },
    );
  }
  await target.client.send(
    new PutObjectCommand({ Bucket: bucket, Key: 'traced/object.txt', Body: 'one traced write' }),
  );
  const fired = await eventually(
    async () => (await faults.events({ rule: rule.id })) as TracedFiring[],
    (events) => events.length > 0,
    { timeoutMs: 5_000, what: `a firing of rule ${rule.id} on the PutObject` },
  );
  firing = fired[0] as TracedFiring;
});

afterAll(async () => {
  if (rule) await faults.removeRule(rule.id).catch(() => undefined);
  await target?.close();
});

describe('a fault fired through the test stack', () => {
  it('names the trace and span it acted in, in the hit log', () => {
    expect(firing.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(firing.spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('is ONE trace in Jaeger from the front through serverless-offline to the storage nodes, with the fault.injected event', async () => {
    const wanted = ['gateway-front', 's3-api', 'storage-node'];
    const services = (spans: ServiceSpan[]) => [...new Set(spans.map((span) => span.service))].sort();
    const spans = await eventually(
      () => jaegerTrace(telemetry, firing.traceId ?? ''),
      (found) => wanted.every((service) => services(found).includes(service)),
      { ...SIGNAL, what: `spans of ${wanted.join(', ')} in Jaeger's trace ${firing.traceId}` },
    );
    expect(services(spans)).toEqual(expect.arrayContaining(wanted));
    // One trace: one root (the front's server span), every other span's parent is in the trace.
    const ids = new Set(spans.map((span) => span.spanId));
    const roots = spans.filter((span) => !span.parentSpanId || !ids.has(span.parentSpanId));
    expect(roots.map((span) => span.service)).toEqual(['gateway-front']);
    const fired = spans.filter((span) =>
      (span.events ?? []).some(
        (event) =>
          event.name === 'fault.injected' && attribute(event.attributes, 'fault.rule_id') === rule.id,
      ),
    );
    expect(fired.map((span) => ({ service: span.service, spanId: span.spanId }))).toEqual([
      { service: 's3-api', spanId: firing.spanId },
    ]);
    const event = fired[0]?.events?.find((candidate) => candidate.name === 'fault.injected');
    expect({
      point: attribute(event?.attributes, 'fault.point'),
      type: attribute(event?.attributes, 'fault.type'),
      scenario: attribute(event?.attributes, 'fault.scenario'),
    }).toEqual({ point: 'http.server', type: 'latency', scenario: rule.scenario });
  });

  it("answers PromQL for the rule's hits, and for consumer_lag_seconds", async () => {
    const hits = await eventually(
      () => promQuery(telemetry, `sum(fault_rule_hits_total{rule_id="${rule.id}"})`),
      (samples) => (samples[0]?.value ?? 0) >= 1,
      { ...SIGNAL, what: `fault_rule_hits_total of rule ${rule.id} in Prometheus` },
    );
    expect(hits[0]?.value).toBeGreaterThanOrEqual(1);
    const lag = await eventually(
      () => promQuery(telemetry, 'consumer_lag_seconds'),
      (samples) => samples.length > 0,
      { ...SIGNAL, what: 'consumer_lag_seconds in Prometheus' },
    );
    for (const sample of lag) expect(sample.value).toBeGreaterThanOrEqual(0);
  });

  it("holds the firing's log record in the collector's file export, under the same trace id", async () => {
    const records = await eventually(
      async () =>
        (await exportedLogRecords(telemetry)).filter(
          (candidate) => attribute(candidate.attributes, 'rule_id') === rule.id,
        ),
      (found) => found.length > 0,
      { ...SIGNAL, what: `a log record of rule ${rule.id} in collector/logs.jsonl` },
    );
    const record = records[0];
    expect({
      service: record?.service,
      traceId: record?.traceId,
      spanId: record?.spanId?.toLowerCase(),
      point: attribute(record?.attributes, 'inject_point'),
      scenario: attribute(record?.attributes, 'scenario_id'),
    }).toEqual({
      service: 's3-api',
      traceId: firing.traceId,
      spanId: firing.spanId,
      point: 'http.server',
      scenario: rule.scenario,
    });
  });
});
