import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { createHandler as createInjectionApi } from '../../../../functions/injection/api.js';
import { createHandler as createS3Api } from '../../../../functions/s3-api/handler.js';
import { bodyBytes } from '../../../../layers/binary-body.js';
import type { LambdaHandler } from '../../../../layers/compose-handler.js';
import type { Firing } from '../../../../shared/faults/hit-log.js';
import {
  FAULT_EVENT_NAME,
  observeFirings,
  recordFiringOnSpan,
} from '../../../../shared/injection/observe-firing.js';
import { createLogger } from '../../../../shared/telemetry/logger.js';
import { createTracing } from '../../../../shared/telemetry/tracing.js';
import {
  apiEvent,
  createUnitRuntime,
  type EventInput,
  type UnitRuntime,
  unitContext,
} from '../../../support/unit-runtime.js';

/**
 * The options of a test tracer: a variable, not a literal, so it type-checks whether or not
 * TracingOptions names the service (`service`, required once tracers are per service).
 */
function tracingOptions(exporter: InMemorySpanExporter) {
  const options = { exporter, service: 's3-api' as const };
  return options;
}

const BUCKET = 'firing-bucket';

/** The `fault.injected` events of a span, as attribute objects. */
const faultEvents = (span: ReadableSpan | undefined) =>
  (span?.events ?? []).filter((event) => event.name === FAULT_EVENT_NAME).map((event) => event.attributes);

// Every firing is an event on the span it acted on, through the real pipeline over in-memory adapters.
describe('firings on spans', () => {
  let unit: UnitRuntime;
  let s3: LambdaHandler;
  let injection: LambdaHandler;
  const send = (input: EventInput) => s3(apiEvent(input), unitContext());
  const requestSpan = () => unit.spans.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER);

  beforeAll(async () => {
    unit = await createUnitRuntime();
    s3 = createS3Api(unit.runtime);
    injection = createInjectionApi(unit.runtime);
    await send({ method: 'PUT', path: `/${BUCKET}` });
    await send({ method: 'PUT', path: `/${BUCKET}/k`, body: 'firing' });
    unit.runtime.faults.setConfigSwitch(true);
  });

  beforeEach(() => {
    for (const rule of unit.runtime.faults.listRules()) unit.runtime.faults.removeRule(rule.id);
    unit.spans.reset();
  });

  afterAll(async () => {
    await unit.runtime.close();
  });

  it('two firings on one request are two fault.injected events, with rule, scenario, point, type, decision index and delay', async () => {
    // Prepare: two delays at http.server (delays add up, so both fire); the second skips one match.
    unit.runtime.faults.addRule({
      id: 'slow-a',
      scenario: 'two-slow',
      match: { point: 'http.server', operation: 'GetObject' },
      fault: { type: 'latency', ms: 1 },
    });
    unit.runtime.faults.addRule({
      id: 'slow-b',
      scenario: 'two-slow',
      match: { point: 'http.server', operation: 'GetObject' },
      fault: { type: 'latency', ms: 2 },
      after: 1,
    });
    await send({ method: 'GET', path: `/${BUCKET}/k` });
    unit.spans.reset();

    // Act
    const answer = await send({ method: 'GET', path: `/${BUCKET}/k` });

    // Assess
    expect(answer.statusCode).toBe(200);
    const span = requestSpan();
    expect(faultEvents(span)).toEqual([
      expect.objectContaining({
        'fault.rule_id': 'slow-a',
        'fault.scenario': 'two-slow',
        'fault.point': 'http.server',
        'fault.type': 'latency',
        'fault.decision_index': 1,
        'fault.delay_ms': 1,
      }),
      expect.objectContaining({
        'fault.rule_id': 'slow-b',
        'fault.scenario': 'two-slow',
        'fault.point': 'http.server',
        'fault.type': 'latency',
        'fault.decision_index': 1,
        'fault.delay_ms': 2,
      }),
    ]);
    // A delay is no failure: the span is not red.
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('/events shows the trace and span each firing acted on', async () => {
    // Prepare
    unit.runtime.faults.addRule({
      id: 'denied',
      match: { point: 'http.server', operation: 'HeadObject' },
      fault: { type: 's3_error', code: 'AccessDenied' },
    });

    // Act
    const answer = await send({ method: 'HEAD', path: `/${BUCKET}/k` });
    const events = await injection(
      apiEvent({ method: 'GET', path: '/api/v1/injection/events', query: 'rule=denied' }),
      unitContext('injectionApi'),
    );

    // Assess
    expect(answer.statusCode).toBe(403);
    const span = requestSpan()!;
    const listed = JSON.parse(bodyBytes(events).toString()).events as Firing[];
    expect(listed).toEqual([
      expect.objectContaining({
        ruleId: 'denied',
        decisionIndex: 0,
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
      }),
    ]);
    expect(faultEvents(span)).toEqual([
      expect.objectContaining({ 'fault.rule_id': 'denied', 'fault.type': 's3_error' }),
    ]);
  });

  it('a node fault is an event on that node span, which is red; the request served by another replica is not', async () => {
    // Prepare: the first replica read fails once; the object has another replica.
    unit.runtime.faults.addRule({
      id: 'node-down-once',
      match: { point: 'node.read' },
      fault: { type: 'node_down' },
      times: 1,
    });

    // Act
    const answer = await send({ method: 'GET', path: `/${BUCKET}/k` });

    // Assess
    expect(answer.statusCode).toBe(200);
    const nodeSpans = unit.spans.getFinishedSpans().filter((span) => span.name === 'node.get');
    const [down, ...served] = nodeSpans;
    expect(served.length).toBeGreaterThan(0);
    expect(faultEvents(down)).toEqual([
      expect.objectContaining({
        'fault.rule_id': 'node-down-once',
        'fault.type': 'node_down',
        'fault.node': down?.attributes['storage.node.id'],
      }),
    ]);
    expect(down?.status.code).toBe(SpanStatusCode.ERROR);
    for (const span of served) expect(faultEvents(span)).toEqual([]);
    expect(faultEvents(requestSpan())).toEqual([]);
    expect(requestSpan()?.status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('recordFiringOnSpan', () => {
  const exporter = new InMemorySpanExporter();
  const tracing = createTracing(tracingOptions(exporter));
  const firing = (type: Firing['type']): Firing => ({
    time: new Date(0).toISOString(),
    ruleId: 'sock',
    point: 'gateway.socket',
    type,
    service: 'gateway',
    decisionIndex: 3,
  });

  afterAll(() => tracing.shutdown());

  it('marks a host span with the event, ERROR for a failing fault, and names the span in the firing', () => {
    // Prepare
    exporter.reset();
    const reset = firing('reset');

    // Act
    const span = tracing.tracer.startSpan('gateway');
    recordFiringOnSpan(span, reset);
    span.end();

    // Assess
    const [ended] = exporter.getFinishedSpans();
    expect(faultEvents(ended)).toEqual([
      expect.objectContaining({
        'fault.rule_id': 'sock',
        'fault.point': 'gateway.socket',
        'fault.decision_index': 3,
      }),
    ]);
    expect(ended?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'injected reset at gateway.socket by rule sock',
    });
    expect(reset.traceId).toBe(span.spanContext().traceId);
    expect(reset.spanId).toBe(span.spanContext().spanId);
  });

  it('leaves the status of a span a slow body only slowed', () => {
    // Prepare
    exporter.reset();

    // Act
    const span = tracing.tracer.startSpan('gateway');
    recordFiringOnSpan(span, firing('bandwidth'));
    span.end();

    // Assess
    const [ended] = exporter.getFinishedSpans();
    expect(faultEvents(ended)).toHaveLength(1);
    expect(ended?.status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('the firing log line', () => {
  it('names the fields in snake_case, with the decision index and the trace and span ids', () => {
    // Prepare
    const lines: string[] = [];
    const observe = observeFirings(
      new Registry(),
      createLogger({ level: 'info', write: (line) => lines.push(line) }),
    );
    const tracing = createTracing(tracingOptions(new InMemorySpanExporter()));

    // Act
    const ids = tracing.tracer.startActiveSpan('request', (span) => {
      observe({
        time: new Date(0).toISOString(),
        ruleId: 'r1',
        scenario: 's1',
        point: 'node.write',
        type: 'io_error',
        service: 'storage-node',
        node: 'node-2',
        decisionIndex: 4,
      });
      span.end();
      return span.spanContext();
    });

    // Assess
    expect(JSON.parse(lines[0]!)).toMatchObject({
      message: 'fault injected',
      rule_id: 'r1',
      scenario_id: 's1',
      inject_point: 'node.write',
      fault_type: 'io_error',
      node: 'node-2',
      decision_index: 4,
      trace_id: ids.traceId,
      span_id: ids.spanId,
    });
  });
});
