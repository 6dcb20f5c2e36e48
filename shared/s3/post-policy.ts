/**
 * The POST policy of a browser form upload: a base64 JSON document with an `expiration` and the
 * `conditions` every form field must meet. Signatures are never checked here (as everywhere in this
 * service); the policy itself is enforced, with S3's codes and words.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 */
import { S3Error } from './errors.js';
import type { PostFormField } from './post-form.js';

export type PolicyCondition =
  | { type: 'eq' | 'starts-with'; field: string | undefined; value: string; text: string }
  | { type: 'content-length-range'; min: number | undefined; max: number | undefined; text: string };

export interface PostPolicy {
  expiration: Date;
  conditions: PolicyCondition[];
}

/** Fields no condition has to name: AWS's exemptions for SigV4 and SigV2 forms. */
const EXEMPT_FIELDS = new Set(['x-amz-signature', 'file', 'policy', 'awsaccesskeyid', 'signature']);

/** ISO 8601 in UTC, as S3 reads `expiration` (`2026-12-07T12:00:00.000Z`; no offset, no space). */
const EXPIRATION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/**
 * Decodes and checks the shape of a policy.
 *
 * @throws S3Error InvalidPolicyDocument ("Invalid Policy: ...") when it is not base64 JSON, lacks
 *   `expiration` or `conditions`, or a condition is not one S3 knows
 */
export function parsePostPolicy(encoded: string): PostPolicy {
  const base64 = encoded.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) {
    throw invalidPolicy('invalid Base64 encoding.');
  }
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    throw invalidPolicy('Invalid JSON.');
  }
  if (!isObject(document)) throw invalidPolicy('Invalid JSON.');
  const unexpected = Object.keys(document).find((name) => name !== 'expiration' && name !== 'conditions');
  if (unexpected !== undefined) throw invalidPolicy(`Unexpected: '${unexpected.toLowerCase()}'`);
  const { expiration, conditions } = document;
  if (expiration === undefined) throw invalidPolicy('Policy missing expiration.');
  if (
    typeof expiration !== 'string' ||
    !EXPIRATION.test(expiration) ||
    Number.isNaN(Date.parse(expiration))
  ) {
    throw invalidPolicy(`Invalid 'expiration' value: '${String(expiration)}'`);
  }
  if (conditions === undefined) throw invalidPolicy('Policy missing conditions.');
  if (!Array.isArray(conditions)) throw invalidPolicy("Invalid 'conditions' value: must be a List.");
  return { expiration: new Date(expiration), conditions: conditions.map(parseCondition) };
}

function parseCondition(condition: unknown): PolicyCondition {
  if (Array.isArray(condition)) return parseListCondition(condition);
  if (!isObject(condition)) throw invalidPolicy('Invalid condition test: must be a List or Object.');
  const entries = Object.entries(condition);
  if (entries.length !== 1) {
    throw invalidPolicy(
      'Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.',
    );
  }
  const [name, value] = entries[0]!;
  if (value === null) throw invalidPolicy('Invalid JSON.');
  if (typeof value !== 'string') throw invalidPolicy('Invalid Simple-Condition: value must be a string.');
  // S3 reports a simple condition as the `eq` it stands for.
  return { type: 'eq', field: name.toLowerCase(), value, text: conditionText(['eq', `$${name}`, value]) };
}

function parseListCondition(condition: unknown[]): PolicyCondition {
  const [operation, ...operands] = condition;
  if (operation === undefined) throw invalidPolicy('Invalid Condition: missing operation identifier.');
  if (typeof operation !== 'string') throw invalidPolicy('Invalid JSON.');
  const type = operation.toLowerCase();
  if (type !== 'eq' && type !== 'starts-with' && type !== 'content-length-range') {
    throw invalidPolicy(`Invalid Condition: unknown operation '${operation}'.`);
  }
  if (operands.length !== 2) throw invalidPolicy(`Invalid ${operation}: wrong number of arguments.`);
  const text = conditionText(condition);
  if (type === 'content-length-range') {
    return { type, min: lengthBound(operands[0]), max: lengthBound(operands[1]), text };
  }
  const [field, value] = operands;
  if (typeof field !== 'string' || typeof value !== 'string') throw invalidPolicy('Invalid JSON.');
  // A field named without `$` is never matched: S3 answers "Policy Condition failed" for it.
  return { type, field: field.startsWith('$') ? field.slice(1).toLowerCase() : undefined, value, text };
}

/** A content-length-range bound: an integer, or a string of digits; anything else fails the condition. */
function lengthBound(value: unknown): number | undefined {
  if (typeof value === 'number') {
    // S3 refuses `512.0` as it would refuse broken JSON.
    if (!Number.isInteger(value)) throw invalidPolicy('Invalid JSON.');
    return value;
  }
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  if (typeof value === 'string') return undefined;
  throw invalidPolicy('Invalid JSON.');
}

/** What the policy is checked against. */
export interface PostPolicyInput {
  /** The form fields before the file, `${filename}` already expanded. */
  fields: PostFormField[];
  /** The bucket of the request URL (what a `bucket` condition names). */
  bucket: string;
  fileSize: number;
  now: Date;
}

/**
 * Enforces a policy on a form: not expired, every condition met, every field (but AWS's
 * exemptions and `x-ignore-*`) named by a condition. Field names compare case-insensitively,
 * values case-sensitively; a field a condition names but the form lacks fails it.
 *
 * @throws S3Error AccessDenied (403, "Invalid according to Policy: ..."); EntityTooSmall or
 *   EntityTooLarge (400) for a file outside `content-length-range`
 */
export function checkPostPolicy(policy: PostPolicy, input: PostPolicyInput): void {
  if (input.now.getTime() > policy.expiration.getTime()) throw deniedByPolicy('Policy expired.');
  const values = new Map<string, string>();
  for (const field of input.fields) {
    const name = field.name.toLowerCase();
    const earlier = values.get(name);
    // Repeated fields are matched as one comma-separated value, as S3 documents.
    values.set(name, earlier === undefined ? field.value : `${earlier},${field.value}`);
  }
  values.set('bucket', input.bucket);
  for (const condition of policy.conditions) checkCondition(condition, values, input.fileSize);
  const named = new Set(
    policy.conditions.map((condition) => ('field' in condition ? condition.field : undefined)),
  );
  const extra = input.fields.find((field) => {
    const name = field.name.toLowerCase();
    return !EXEMPT_FIELDS.has(name) && !name.startsWith('x-ignore-') && !named.has(name);
  });
  if (extra !== undefined) throw deniedByPolicy(`Extra input fields: ${extra.name}`);
}

function checkCondition(condition: PolicyCondition, values: Map<string, string>, fileSize: number): void {
  if (condition.type === 'content-length-range') {
    const { min, max } = condition;
    if (min === undefined || max === undefined) throw conditionFailed(condition);
    if (fileSize > max) {
      throw new S3Error('EntityTooLarge', {
        message: 'Your proposed upload exceeds the maximum allowed size',
        detail: { ProposedSize: String(fileSize), MaxSizeAllowed: String(max) },
      });
    }
    if (fileSize < min) {
      throw new S3Error('EntityTooSmall', {
        message: 'Your proposed upload is smaller than the minimum allowed size',
        detail: { ProposedSize: String(fileSize), MinSizeAllowed: String(min) },
      });
    }
    return;
  }
  const value = condition.field === undefined ? undefined : values.get(condition.field);
  if (value === undefined || !meets(condition, value)) throw conditionFailed(condition);
}

function meets(
  condition: { type: 'eq' | 'starts-with'; field: string | undefined; value: string },
  value: string,
): boolean {
  if (condition.type === 'eq') return value === condition.value;
  // Content-Type alone is a comma-separated list: each type must start with the prefix.
  const candidates =
    condition.field === 'content-type' ? value.split(',').map((type) => type.trim()) : [value];
  return candidates.every((candidate) => candidate.startsWith(condition.value));
}

/** `["eq", "$key", "a"]`, the way S3 prints a condition in its messages. */
function conditionText(items: unknown[]): string {
  return `[${items.map((item) => JSON.stringify(item)).join(', ')}]`;
}

function conditionFailed(condition: PolicyCondition): S3Error {
  return deniedByPolicy(`Policy Condition failed: ${condition.text}`);
}

function deniedByPolicy(reason: string): S3Error {
  return new S3Error('AccessDenied', { message: `Invalid according to Policy: ${reason}` });
}

function invalidPolicy(reason: string): S3Error {
  return new S3Error('InvalidPolicyDocument', { message: `Invalid Policy: ${reason}` });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
