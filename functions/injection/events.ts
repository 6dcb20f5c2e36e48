import { type FiringFilter, HIT_LOG_CAPACITY } from '../../shared/faults/hit-log.js';
import { isInjectionPoint } from '../../shared/faults/rule.js';
import { validationError } from './control-error.js';
import type { ControlOperation } from './request.js';

const EVENT_QUERY = ['rule', 'scenario', 'request_id', 'point', 'limit'] as const;

/**
 * GET /events: the hit log, oldest first, filtered by rule, scenario, request id and point. In
 * stack mode the log every process appends to (the front, both instances, the workers); in
 * embedded mode the engine's own.
 */
export const listEvents: ControlOperation = async ({ runtime, query }) => {
  const filter = firingFilter(query);
  const events =
    runtime.sharedHitLog === undefined
      ? runtime.faults.events(filter)
      : await runtime.sharedHitLog.list(filter);
  return { status: 200, body: { events } };
};

function firingFilter(query: URLSearchParams): FiringFilter {
  for (const name of query.keys()) {
    if (!(EVENT_QUERY as readonly string[]).includes(name)) throw validationError(name, 'unknown parameter');
  }
  const filter: FiringFilter = {};
  const rule = query.get('rule');
  if (rule !== null) filter.ruleId = rule;
  const scenario = query.get('scenario');
  if (scenario !== null) filter.scenario = scenario;
  const requestId = query.get('request_id');
  if (requestId !== null) filter.requestId = requestId;
  const point = query.get('point');
  if (point !== null) {
    if (!isInjectionPoint(point)) throw validationError('point', `unknown injection point ${point}`);
    filter.point = point;
  }
  const limit = query.get('limit');
  if (limit !== null) {
    const n = Number(limit);
    if (!/^\d+$/.test(limit) || n < 1 || n > HIT_LOG_CAPACITY) {
      throw validationError(
        'limit',
        `must be an integer between 1 and ${HIT_LOG_CAPACITY} (the hit log keeps the newest ${HIT_LOG_CAPACITY} firings)`,
      );
    }
    filter.limit = n;
  }
  return filter;
}
