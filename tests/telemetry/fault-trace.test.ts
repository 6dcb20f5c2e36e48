import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { FaultsClient, type FiringView, type RuleView } from '../support/e2e/faults.js';
import { type Target, useTarget } from '../support/e2e/server.js';
import { controlRequest } from '../support/stack/control-plane.js';
import { stackEnv } from '../support/stack/stack-env.js';
import {
  attribute,
  eventually,
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
const SIGNAL_BOUND_MS = 20_000;

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
    const known = await eventually(
      async () => {
        const answer = await controlRequest(`http://127.0.0.1:${port}`, 'GET', `/injection/rules/${rule.id}`);
        return answer.status === 200 ? true : undefined;
      },
      5_000,
      20,
    );
    if (!known) throw new Error(`rule ${rule.id} never reached the instance on port ${port}`);
  }
  await target.client.send(
    new PutObjectCommand({ Bucket: bucket, Key: 'traced/object.txt', Body: 'one traced write' }),
  );
  const fired = await eventually(async () => {
    const events = (await faults.events({ rule: rule.id })) as TracedFiring[];
    return events[0];
  }, 5_000);
  if (fired === undefined) throw new Error(`rule ${rule.id} never fired on the PutObject`);
  firing = fired;
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
    const traceId = firing.traceId ?? '';
    const wanted = ['gateway-front', 's3-api', 'storage-node'];
    const spans = await eventually(async () => {
      const found = await jaegerTrace(telemetry, traceId);
      const services = new Set(found.map((span) => span.service));
      return wanted.every((service) => services.has(service)) ? found : undefined;
    }, SIGNAL_BOUND_MS);
    const seen = spans ?? (await jaegerTrace(telemetry, traceId));
    expect([...new Set(seen.map((span) => span.service))].sort()).toEqual(expect.arrayContaining(wanted));
    // One trace: one root (the front's server span), every other span's parent is in the trace.
    const ids = new Set(seen.map((span) => span.spanId));
    const roots = seen.filter((span) => !span.parentSpanId || !ids.has(span.parentSpanId));
    expect(roots.map((span) => span.service)).toEqual(['gateway-front']);
    const fired = seen.filter((span) =>
      (span.events ?? []).some(
        (event) =>
          event.name === 'fault.injected' && attribute(event.attributes, 'fault.rule_id') === rule.id,
      ),
    );
    expect(fired.map((span: ServiceSpan) => ({ service: span.service, spanId: span.spanId }))).toEqual([
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
    const query = `sum(fault_rule_hits_total{rule_id="${rule.id}"})`;
    const hits = await eventually(async () => {
      const samples = await promQuery(telemetry, query);
      return samples.length > 0 && (samples[0]?.value ?? 0) >= 1 ? samples : undefined;
    }, SIGNAL_BOUND_MS);
    expect(hits?.[0]?.value).toBeGreaterThanOrEqual(1);
    const lag = await eventually(async () => {
      const samples = await promQuery(telemetry, 'consumer_lag_seconds');
      return samples.length > 0 ? samples : undefined;
    }, SIGNAL_BOUND_MS);
    expect(lag?.length).toBeGreaterThan(0);
    for (const sample of lag ?? []) expect(sample.value).toBeGreaterThanOrEqual(0);
  });

  it("holds the firing's log record in the collector's file export, under the same trace id", async () => {
    const record = await eventually(async () => {
      const records = await exportedLogRecords(telemetry);
      return records.find((candidate) => attribute(candidate.attributes, 'rule_id') === rule.id);
    }, SIGNAL_BOUND_MS);
    expect(record).toBeDefined();
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
