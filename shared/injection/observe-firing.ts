import { trace } from '@opentelemetry/api';
import { Counter, type Registry } from 'prom-client';
import type { Firing } from '../faults/hit-log.js';
import type { Logger } from '../telemetry/logger.js';

/**
 * What every firing leaves behind (FAULTS.md, "Observability of every fault"): attributes on the
 * active span, one structured log line, and `fault_injections_total{service,point,type,scenario}`.
 * The hit log entry is written by the engine itself.
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
    trace.getActiveSpan()?.setAttributes({
      'fault.rule_id': firing.ruleId,
      'fault.scenario': scenario,
      'fault.point': firing.point,
      'fault.type': firing.type,
    });
    logger.info('fault injected', {
      scenario_id: scenario,
      inject_point: firing.point,
      rule_id: firing.ruleId,
      request_id: firing.requestId,
      fault_type: firing.type,
      service: firing.service,
      operation: firing.operation,
      ...(firing.delayMs === undefined ? {} : { delay_ms: firing.delayMs }),
    });
  };
}
