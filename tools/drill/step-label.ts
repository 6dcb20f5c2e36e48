import type { DrillStep } from './types.js';

/**
 * One line for people naming what a step does: "kill_node node-2", "rules: PutObject s3_error
 * SlowDown 20%", "preset node-loss". The report marks each step with it.
 */
export function stepLabel(step: DrillStep): string {
  switch (step.action) {
    case 'rules':
      return `rules: ${step.rules.map(ruleLabel).join('; ')}`;
    case 'scenario':
      return `scenario ${step.file}`;
    case 'preset':
      return `preset ${step.preset}`;
    case 'kill_node':
    case 'stop_node':
    case 'start_node':
    case 'partition_node':
    case 'heal_node':
      return `${step.action} ${step.node}`;
    case 'stop_service':
    case 'start_service':
      return `${step.action} ${step.service}`;
    default:
      return step.action;
  }
}

/** A rule in a few words, whichever form (canonical or shorthand) it was written in. */
function ruleLabel(rule: unknown): string {
  if (typeof rule !== 'object' || rule === null) return String(rule);
  const r = rule as Record<string, unknown>;
  const match = (typeof r.match === 'object' && r.match !== null ? r.match : r) as Record<string, unknown>;
  const fault = (typeof r.fault === 'object' && r.fault !== null ? r.fault : r) as Record<string, unknown>;
  const parts = [
    match.operation ?? match.endpoint ?? match.point,
    match.node,
    fault.type,
    fault.code ?? fault.sqlstate ?? fault.errno ?? (fault.ms === undefined ? undefined : `${fault.ms}ms`),
    typeof r.rate === 'number' && r.rate < 1 ? `${Math.round(r.rate * 1000) / 10}%` : undefined,
  ];
  return parts.filter((part) => part !== undefined).join(' ');
}
