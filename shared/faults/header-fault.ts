/**
 * Per-request faults from a request header (FAULTS.md, Control):
 * `x-mock-fault: <type>[;<param>=<value>]*`, e.g. `s3_error;code=SlowDown` or `latency;ms=300`.
 */
import { parseFault, refuseContradiction } from './fault-schema.js';
import { FAULT_POINTS, type Fault, faultAllowedAt, type InjectionPoint } from './rule.js';
import { RuleValidationError } from './validation.js';

/** The request header that carries a per-request fault. */
export const FAULT_HEADER = 'x-mock-fault';

const PARAM_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Parses an `x-mock-fault` value into a fault, validated like a rule's `fault` (numbers are
 * converted from text, waits capped at `maxMs`). With `point`, also checks the fault can be
 * injected there and that no parameter contradicts it.
 * @throws RuleValidationError whose field is `x-mock-fault` or `x-mock-fault.<param>`.
 */
export function parseFaultHeader(value: string, point?: InjectionPoint, maxMs?: number): Fault {
  const [typePart, ...paramParts] = value.split(';');
  const fields: Record<string, string> = { type: (typePart ?? '').trim() };
  if (fields.type === '') throw new RuleValidationError(FAULT_HEADER, 'names no fault type');
  for (const part of paramParts) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim();
    if (!PARAM_NAME.test(name))
      throw new RuleValidationError(FAULT_HEADER, `bad parameter ${JSON.stringify(part)}`);
    if (eq === -1) throw new RuleValidationError(`${FAULT_HEADER}.${name}`, 'needs a value (name=value)');
    if (name === 'type' || Object.hasOwn(fields, name)) {
      throw new RuleValidationError(`${FAULT_HEADER}.${name}`, 'given twice');
    }
    fields[name] = part.slice(eq + 1).trim();
  }
  const fault = parseFault(fields, FAULT_HEADER, { coerce: true, ...(maxMs === undefined ? {} : { maxMs }) });
  if (point !== undefined && !faultAllowedAt(fault.type, point)) {
    throw new RuleValidationError(
      `${FAULT_HEADER}.type`,
      `${fault.type} cannot be injected at ${point} (allowed at ${FAULT_POINTS[fault.type].join(', ')})`,
    );
  }
  if (point !== undefined) refuseContradiction(fault, point, FAULT_HEADER);
  return fault;
}
