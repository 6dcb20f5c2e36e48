import { type Attributes, isSpanContextValid, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import { Counter, type Registry } from 'prom-client';
import type { Firing } from '../faults/hit-log.js';
import type { FaultType } from '../faults/rule.js';
import type { Logger } from '../telemetry/logger.js';

/** The span event every firing adds to the span it acted on. */
export const FAULT_EVENT_NAME = 'fault.injected';

/**
 * Faults whose effect is a failure the caller sees (an error, a reset, a lost write, a refusal):
 * their firing marks its span ERROR. Delays, stale or reordered answers, corruption that reads
 * still detect, and cache effects leave the status alone: the span ends as the work did.
 */
const FAILING_FAULT_TYPES: ReadonlySet<FaultType> = new Set<FaultType>([
  'http_status',
  's3_error',
  'timeout',
  'reset',
  'truncate',
  'stall',
  'io_error',
  'node_down',
  'partial_write',
  'capacity',
  'db_error',
  'commit_fail',
  'dead_letter',
  'origin_unavailable',
  'checksum_mismatch',
  'reject',
  'throttle',
]);

/**
 * Records `firing` on `span` (FAULTS.md, "Observability of every fault"): a `fault.injected` event
 * with the rule, scenario, point, type, node, decision index and delay, and, for a fault that fails
 * what it touches, the span's status ERROR naming the rule. Every firing adds its own event, so two
 * faults on one request are two events. Also fills the firing's `traceId`/`spanId` when unset.
 * Hosts that fire socket faults on their own span (the gateways) call it with that span.
 */
export function recordFiringOnSpan(span: Span, firing: Firing): void {
  const ids = span.spanContext();
  if (isSpanContextValid(ids)) {
    firing.traceId ??= ids.traceId;
    firing.spanId ??= ids.spanId;
  }
  if (!span.isRecording()) return;
  span.addEvent(FAULT_EVENT_NAME, firingAttributes(firing));
  if (FAILING_FAULT_TYPES.has(firing.type)) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: `injected ${firing.type} at ${firing.point} by rule ${firing.ruleId}`,
    });
  }
}

/** The `fault.*` attributes of a firing's span event. */
export function firingAttributes(firing: Firing): Attributes {
  const attributes: Attributes = {
    'fault.rule_id': firing.ruleId,
    'fault.scenario': firing.scenario ?? '',
    'fault.point': firing.point,
    'fault.type': firing.type,
  };
  if (firing.node !== undefined) attributes['fault.node'] = firing.node;
  if (firing.decisionIndex !== undefined) attributes['fault.decision_index'] = firing.decisionIndex;
  if (firing.delayMs !== undefined) attributes['fault.delay_ms'] = firing.delayMs;
  if (firing.requestId !== undefined) attributes['fault.request_id'] = firing.requestId;
  return attributes;
}

/**
 * What every firing leaves behind (FAULTS.md, "Observability of every fault"): a `fault.injected`
 * event on the active span (see {@link recordFiringOnSpan}), whose trace and span ids go into the
 * firing before the engine's hit log keeps it; one structured log line with the same names in
 * snake_case; and `fault_injections_total{service,point,type,scenario}`.
 */
export function observeFirings(registry: Registry, logger: Logger): (firing: Firing) => void {
  const injections = new Counter({
    name: 'fault_injections_total',
    help: 'Faults injected, by service, injection point, fault type and scenario',
    labelNames: ['service', 'point', 'type', 'scenario'] as const,
    registers: [registry],
  });
  return (firing) => {
    const scenario = firing.scenario ?? '';
    injections.inc({ service: firing.service, point: firing.point, type: firing.type, scenario });
    const span = trace.getActiveSpan();
    if (span) recordFiringOnSpan(span, firing);
    logger.info('fault injected', {
      scenario_id: scenario,
      inject_point: firing.point,
      rule_id: firing.ruleId,
      request_id: firing.requestId,
      fault_type: firing.type,
      service: firing.service,
      operation: firing.operation,
      ...(firing.node === undefined ? {} : { node: firing.node }),
      ...(firing.decisionIndex === undefined ? {} : { decision_index: firing.decisionIndex }),
      ...(firing.delayMs === undefined ? {} : { delay_ms: firing.delayMs }),
      ...(firing.traceId === undefined ? {} : { trace_id: firing.traceId, span_id: firing.spanId }),
    });
  };
}
