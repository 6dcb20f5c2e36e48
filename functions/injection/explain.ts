import type { FaultEvent } from '../../shared/faults/match.js';
import {
  FAULT_POINTS,
  FAULT_SERVICES,
  type FaultType,
  INJECTION_POINTS,
  isInjectionPoint,
} from '../../shared/faults/rule.js';
import { validationError } from './control-error.js';
import { type ControlOperation, objectBody, refuseUnknownFields } from './request.js';

const EVENT_FIELDS = [
  'service',
  'point',
  'operation',
  'method',
  'path',
  'bucket',
  'key',
  'node',
  'headers',
  'size',
  'requestId',
] as const;
const TEXT_FIELDS = ['operation', 'method', 'path', 'bucket', 'key', 'node', 'requestId'] as const;

/**
 * POST /explain: a dry run. Given a described event (`{service, point?, method?, path?, ...}`),
 * which rules would match, which would fire, and the outcome; no counter moves.
 */
export const explain: ControlOperation = ({ runtime, body }) => ({
  status: 200,
  body: runtime.faults.explain(describedEvent(body)),
});

/** GET /points: every injection point with its service and the fault types allowed there. */
export const listPoints: ControlOperation = () => ({
  status: 200,
  body: {
    points: INJECTION_POINTS.map(({ point, service, description }) => ({
      point,
      service,
      description,
      faultTypes: (Object.keys(FAULT_POINTS) as FaultType[]).filter((type) =>
        (FAULT_POINTS[type] as readonly string[]).includes(point),
      ),
    })),
  },
});

function describedEvent(body: unknown): FaultEvent {
  const fields = objectBody(body);
  refuseUnknownFields(fields, EVENT_FIELDS);
  const service = fields.service;
  if (typeof service !== 'string' || !(FAULT_SERVICES as readonly string[]).includes(service)) {
    throw validationError('service', `must be one of ${FAULT_SERVICES.join(', ')}`);
  }
  const point = fields.point ?? 'http.server';
  if (typeof point !== 'string' || !isInjectionPoint(point)) {
    throw validationError('point', `unknown injection point ${JSON.stringify(point)}`);
  }
  const event: FaultEvent = { service: service as FaultEvent['service'], point };
  for (const name of TEXT_FIELDS) {
    const value = fields[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw validationError(name, 'must be a string');
    event[name] = value;
  }
  if (fields.size !== undefined) {
    if (typeof fields.size !== 'number' || !Number.isInteger(fields.size) || fields.size < 0) {
      throw validationError('size', 'must be a non-negative integer');
    }
    event.size = fields.size;
  }
  if (fields.headers !== undefined) {
    const headers = fields.headers;
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
      throw validationError('headers', 'must be an object of header name -> value');
    }
    const lowered: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value !== 'string') throw validationError(`headers.${name}`, 'must be a string');
      lowered[name.toLowerCase()] = value;
    }
    event.headers = lowered;
  }
  return event;
}
