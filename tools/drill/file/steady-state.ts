/** `steady_state:` of a drill file (DRILLS.md "Windows and probes"): the hypothesis, as probe specs. */
import { parseRate } from '../../load/units.js';
import { DrillFileError, type ProbeName, type ProbeSpec } from '../types.js';
import {
  booleanAt,
  durationAt,
  type Fields,
  fieldPath,
  integerAt,
  listAt,
  numberAt,
  objectAt,
  oneOf,
  stringAt,
  unitAt,
} from './fields.js';

const PROBES = [
  'error_rate',
  'latency_p50',
  'latency_p95',
  'latency_p99',
  'latency_max',
  'throughput_min',
  'integrity',
  'http',
  'queue_pending',
] as const satisfies readonly ProbeName[];

/** The keys each probe takes besides `probe`. */
const PROBE_KEYS: Record<ProbeName, readonly string[]> = {
  error_rate: ['max', 'during'],
  latency_p50: ['max', 'during'],
  latency_p95: ['max', 'during'],
  latency_p99: ['max', 'during'],
  latency_max: ['max', 'during'],
  throughput_min: ['min', 'during'],
  integrity: [],
  http: ['url', 'expect_status', 'expect_body', 'during'],
  queue_pending: ['max', 'during'],
};

function required(fields: Fields, key: string, field: string, what: string): unknown {
  const value = fields[key];
  if (value === undefined || value === null)
    throw new DrillFileError(fieldPath(field, key), `missing: ${what}`);
  return value;
}

function during(fields: Fields, field: string): boolean {
  return fields.during === undefined ? false : booleanAt(fields.during, fieldPath(field, 'during'));
}

function parseHttpProbe(fields: Fields, field: string): ProbeSpec {
  const urlField = fieldPath(field, 'url');
  const url = stringAt(required(fields, 'url', field, 'the URL to poll (http://...)'), urlField);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DrillFileError(urlField, `"${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new DrillFileError(urlField, `"${url}" is not an http or https URL`);
  }
  const status =
    fields.expect_status === undefined
      ? 200
      : integerAt(fields.expect_status, fieldPath(field, 'expect_status'), 100);
  if (status > 599)
    throw new DrillFileError(fieldPath(field, 'expect_status'), `${status} is not an HTTP status`);
  const bodyField = fieldPath(field, 'expect_body');
  const body = fields.expect_body === undefined ? undefined : stringAt(fields.expect_body, bodyField);
  if (body !== undefined) {
    try {
      new RegExp(body);
    } catch (error) {
      throw new DrillFileError(bodyField, `not a regular expression: ${(error as Error).message}`);
    }
  }
  return {
    probe: 'http',
    url,
    expect_status: status,
    ...(body === undefined ? {} : { expect_body: body }),
    during: during(fields, field),
  };
}

function parseProbe(value: unknown, field: string): ProbeSpec {
  const head = objectAt(value, field, ['probe', ...new Set(Object.values(PROBE_KEYS).flat())]);
  const probe = oneOf(
    required(head, 'probe', field, `one of ${PROBES.join(', ')}`),
    fieldPath(field, 'probe'),
    PROBES,
  );
  const fields = objectAt(value, field, ['probe', ...PROBE_KEYS[probe]]);
  const maxField = fieldPath(field, 'max');
  switch (probe) {
    case 'error_rate':
      return {
        probe,
        max: numberAt(required(fields, 'max', field, 'a rate between 0 and 1 (0.01)'), maxField, 0, 1),
        during: during(fields, field),
      };
    case 'latency_p50':
    case 'latency_p95':
    case 'latency_p99':
    case 'latency_max':
      return {
        probe,
        max: durationAt(required(fields, 'max', field, 'a duration (250ms)'), maxField),
        during: during(fields, field),
      };
    case 'throughput_min': {
      const minField = fieldPath(field, 'min');
      const min = required(fields, 'min', field, 'operations per second (100 or 100/s)');
      return {
        probe,
        min: typeof min === 'string' ? unitAt(minField, () => parseRate(min)) : numberAt(min, minField, 0),
        during: during(fields, field),
      };
    }
    case 'integrity':
      return { probe };
    case 'http':
      return parseHttpProbe(fields, field);
    case 'queue_pending':
      return {
        probe,
        max: integerAt(required(fields, 'max', field, 'a task count (100)'), maxField, 0),
        during: during(fields, field),
      };
  }
}

/** `steady_state:` (absent: no hypothesis, the drill only reports). */
export function parseSteadyState(value: unknown): readonly ProbeSpec[] {
  if (value === undefined || value === null) return [];
  return listAt(value, 'steady_state').map((probe, index) => parseProbe(probe, `steady_state[${index}]`));
}
