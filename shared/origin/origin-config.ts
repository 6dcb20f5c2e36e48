import type { ConfigValue } from '../config/ports.js';
import { formatDuration, parseDuration } from '../faults/duration.js';
import { ORIGIN_KINDS, type OriginConfig, type OriginCredentials, type OriginKind } from './ports.js';

/** Config-store key of a bucket's origin: one key per bucket, so a change is one watch event. */
export const ORIGIN_KEY_PREFIX = 'origin.';

export function originKey(bucket: string): string {
  return `${ORIGIN_KEY_PREFIX}${bucket}`;
}

/** The bucket a config-store key names, or undefined for a key that is not an origin's. */
export function bucketOfOriginKey(key: string): string | undefined {
  return key.startsWith(ORIGIN_KEY_PREFIX) ? key.slice(ORIGIN_KEY_PREFIX.length) : undefined;
}

/** Every default of the configuration body, but `endpoint` (required). */
export const ORIGIN_DEFAULTS = {
  kind: 's3' as OriginKind,
  region: 'us-east-1',
  forcePathStyle: true,
  writeBack: true,
  negativeTtlMs: 30_000,
  rps: 50,
  timeoutMs: 5000,
  breaker: { failures: 5, openMs: 10_000 },
} as const;

const FIELDS = [
  'endpoint',
  'bucket',
  'kind',
  'region',
  'forcePathStyle',
  'credentials',
  'writeBack',
  'negativeTtl',
  'rps',
  'timeoutMs',
  'breaker',
] as const;

export type OriginParse = { ok: true; config: OriginConfig } | { ok: false; field: string; error: string };

class Refusal extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks the body of `PUT /api/v1/origins/{bucket}` (also what the config store holds) and fills
 * the defaults. A refusal names the field (`breaker.failures`), for a 400: an invalid origin is
 * never stored or applied. Unknown fields are refused, as for rules.
 */
export function parseOriginConfig(
  bucket: string,
  body: unknown,
  source: OriginConfig['source'] = 'stored',
): OriginParse {
  try {
    return { ok: true, config: parse(bucket, body, source) };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, field: error.field, error: error.message };
    throw error;
  }
}

function parse(bucket: string, body: unknown, source: OriginConfig['source']): OriginConfig {
  const fields = record(body, '');
  for (const name of Object.keys(fields)) {
    if (!(FIELDS as readonly string[]).includes(name)) {
      throw new Refusal(name, `unknown field ${JSON.stringify(name)}; known: ${FIELDS.join(', ')}`);
    }
  }
  const breaker = fields.breaker === undefined ? {} : record(fields.breaker, 'breaker');
  for (const name of Object.keys(breaker)) {
    if (name !== 'failures' && name !== 'openMs') {
      throw new Refusal(`breaker.${name}`, `unknown field ${JSON.stringify(name)}; known: failures, openMs`);
    }
  }
  const credentials = fields.credentials === undefined ? undefined : parseCredentials(fields.credentials);
  return {
    bucket,
    endpoint: endpointOf(fields.endpoint),
    remoteBucket: optional(fields.bucket, 'bucket', text) ?? bucket,
    kind: optional(fields.kind, 'kind', kind) ?? ORIGIN_DEFAULTS.kind,
    region: optional(fields.region, 'region', text) ?? ORIGIN_DEFAULTS.region,
    forcePathStyle:
      optional(fields.forcePathStyle, 'forcePathStyle', boolean) ?? ORIGIN_DEFAULTS.forcePathStyle,
    ...(credentials ? { credentials } : {}),
    writeBack: optional(fields.writeBack, 'writeBack', boolean) ?? ORIGIN_DEFAULTS.writeBack,
    negativeTtlMs: optional(fields.negativeTtl, 'negativeTtl', duration) ?? ORIGIN_DEFAULTS.negativeTtlMs,
    rps: optional(fields.rps, 'rps', integer(0, 1_000_000)) ?? ORIGIN_DEFAULTS.rps,
    timeoutMs: optional(fields.timeoutMs, 'timeoutMs', integer(1, 600_000)) ?? ORIGIN_DEFAULTS.timeoutMs,
    breaker: {
      failures:
        optional(breaker.failures, 'breaker.failures', integer(1, 1_000_000)) ??
        ORIGIN_DEFAULTS.breaker.failures,
      openMs:
        optional(breaker.openMs, 'breaker.openMs', integer(1, 86_400_000)) ?? ORIGIN_DEFAULTS.breaker.openMs,
    },
    source,
  };
}

/**
 * An origin as the API shows it and the config store holds it, in the body's own shape. With
 * `withCredentials: false` (every answer, every log line) the credentials are left out and only
 * `credentialsSet` says whether there are any.
 */
export function originView(
  config: OriginConfig,
  options: { withCredentials: boolean },
): Record<string, ConfigValue> {
  const view: Record<string, ConfigValue> = {
    endpoint: config.endpoint,
    bucket: config.remoteBucket,
    kind: config.kind,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    writeBack: config.writeBack,
    negativeTtl: formatDuration(config.negativeTtlMs),
    rps: config.rps,
    timeoutMs: config.timeoutMs,
    breaker: { failures: config.breaker.failures, openMs: config.breaker.openMs },
  };
  if (options.withCredentials && config.credentials) {
    view.credentials = { ...config.credentials } as Record<string, ConfigValue>;
  }
  if (!options.withCredentials) view.credentialsSet = config.credentials !== undefined;
  return view;
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Refusal(field || 'body', `${field || 'the body'} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function optional<T>(
  value: unknown,
  field: string,
  check: (value: unknown, field: string) => T,
): T | undefined {
  return value === undefined ? undefined : check(value, field);
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 1024) {
    throw new Refusal(field, `${field} must be a non-empty string`);
  }
  return value;
}

function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new Refusal(field, `${field} must be true or false`);
  return value;
}

function kind(value: unknown, field: string): OriginKind {
  if (!(ORIGIN_KINDS as readonly unknown[]).includes(value)) {
    throw new Refusal(field, `${field} must be one of ${ORIGIN_KINDS.join(', ')}`);
  }
  return value as OriginKind;
}

function integer(min: number, max: number) {
  return (value: unknown, field: string): number => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new Refusal(field, `${field} must be an integer from ${min} to ${max}`);
    }
    return value;
  };
}

/** `"30s"`, `"500ms"`, or milliseconds as a number. */
function duration(value: unknown, field: string): number {
  const ms =
    typeof value === 'string'
      ? parseDuration(value)
      : typeof value === 'number' && Number.isSafeInteger(value)
        ? value
        : undefined;
  if (ms === undefined || ms < 0 || ms > 86_400_000) {
    throw new Refusal(
      field,
      `${field} must be a duration such as "30s" or "500ms" (at most 24h), or milliseconds`,
    );
  }
  return ms;
}

function endpointOf(value: unknown): string {
  if (value === undefined)
    throw new Refusal('endpoint', 'endpoint is required (e.g. "http://127.0.0.1:4568")');
  const raw = text(value, 'endpoint');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Refusal('endpoint', 'endpoint must be an http(s) URL');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search) {
    throw new Refusal('endpoint', 'endpoint must be an http(s) URL without credentials or query');
  }
  return raw.replace(/\/+$/, '');
}

function parseCredentials(value: unknown): OriginCredentials {
  const fields = record(value, 'credentials');
  for (const name of Object.keys(fields)) {
    if (!['accessKeyId', 'secretAccessKey', 'sessionToken'].includes(name)) {
      throw new Refusal(`credentials.${name}`, `unknown field ${JSON.stringify(name)}`);
    }
  }
  const credentials: OriginCredentials = {
    accessKeyId: text(fields.accessKeyId, 'credentials.accessKeyId'),
    secretAccessKey: text(fields.secretAccessKey, 'credentials.secretAccessKey'),
  };
  if (fields.sessionToken !== undefined)
    credentials.sessionToken = text(fields.sessionToken, 'credentials.sessionToken');
  return credentials;
}
