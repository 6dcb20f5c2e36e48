/**
 * The commands of `mock-s3`: each turns its arguments into one request to the control plane (the
 * injection API, the origins API). Pure where it can be (argument parsing and request building), so tests need no server.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { ControlRequest } from './control-client.js';
import { readScenarioFile } from './scenario-file.js';

/** A mistake in the command line (exit code 2, usage shown). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

export interface CommandSpec {
  summary: string;
  /** Positional arguments, for the usage text. */
  args?: string;
  options?: Options;
  positionals?: number;
  build(values: Values, positionals: string[]): ControlRequest | Promise<ControlRequest>;
}

/**
 * Flags of `rules add`: the shorthand field each one fills, and its place in the canonical form.
 * The shorthand (FAULTS.md) has no point and no fault parameters beyond ms, status and code; a
 * flag only the canonical form has (`canonical: true`) makes the whole body canonical.
 */
const RULE_FLAGS = {
  service: { shorthand: 'service', path: 'match.service' },
  endpoint: { shorthand: 'endpoint', path: 'match.endpoint' },
  operation: { shorthand: 'operation', path: 'match.operation' },
  bucket: { shorthand: 'bucket', path: 'match.bucket' },
  key: { shorthand: 'key', path: 'match.key' },
  type: { shorthand: 'type', path: 'fault.type' },
  ms: { shorthand: 'value_ms', path: 'fault.ms' },
  status: { shorthand: 'status', path: 'fault.status' },
  code: { shorthand: 'code', path: 'fault.code' },
  rate: { shorthand: 'rate', path: 'rate' },
  ttl: { shorthand: 'ttl', path: 'ttl' },
  scenario: { shorthand: 'scenario', path: 'scenario' },
  point: { canonical: true, path: 'match.point' },
  mode: { canonical: true, path: 'fault.mode' },
  etag: { canonical: true, path: 'fault.etag' },
  'chunk-bytes': { canonical: true, path: 'fault.chunkBytes' },
  'delay-ms': { canonical: true, path: 'fault.delayMs' },
  rps: { canonical: true, path: 'fault.rps' },
  per: { canonical: true, path: 'fault.per' },
} as const satisfies Record<string, { shorthand?: string; canonical?: true; path: string }>;
type RuleFlag = keyof typeof RULE_FLAGS;
const NUMERIC_FLAGS = new Set(['ms', 'status', 'rate', 'chunk-bytes', 'delay-ms', 'rps']);

/**
 * Flags of `origin set` and the field of `PUT /api/v1/origins/{bucket}` each fills (a dotted name
 * is nested: `breaker.failures`). `--no-write-back` sets `writeBack: false`.
 */
const ORIGIN_FLAGS = {
  endpoint: 'endpoint',
  'remote-bucket': 'bucket',
  kind: 'kind',
  region: 'region',
  'access-key-id': 'credentials.accessKeyId',
  'secret-access-key': 'credentials.secretAccessKey',
  'no-write-back': 'writeBack',
  'negative-ttl': 'negativeTtl',
  rps: 'rps',
  'timeout-ms': 'timeoutMs',
  'breaker-failures': 'breaker.failures',
  'breaker-open-ms': 'breaker.openMs',
} as const;
const ORIGIN_NUMERIC_FLAGS = new Set(['rps', 'timeout-ms', 'breaker-failures', 'breaker-open-ms']);

const string = { type: 'string' } as const;

export const COMMANDS: Record<string, CommandSpec> = {
  'rules add': {
    summary:
      'add a rule from flags (the shorthand form; --point, --mode, --etag, --chunk-bytes, --delay-ms, --rps, --per make it canonical) or from --json',
    options: { ...Object.fromEntries(Object.keys(RULE_FLAGS).map((flag) => [flag, string])), json: string },
    build: (values) => ({ method: 'POST', path: '/rules', body: ruleBody(values) }),
  },
  'rules list': {
    summary: 'list the live rules',
    options: { scenario: string, point: string, enabled: string },
    build: (values) => ({
      method: 'GET',
      path: '/rules',
      query: { scenario: str(values.scenario), point: str(values.point), enabled: str(values.enabled) },
    }),
  },
  'rules get': {
    summary: 'show one rule',
    args: '<id>',
    positionals: 1,
    build: (_values, [id]) => ({ method: 'GET', path: `/rules/${encodeURIComponent(id!)}` }),
  },
  'rules rm': {
    summary: 'remove one rule',
    args: '<id>',
    positionals: 1,
    build: (_values, [id]) => ({ method: 'DELETE', path: `/rules/${encodeURIComponent(id!)}` }),
  },
  'rules clear': {
    summary: 'remove every rule',
    build: () => ({ method: 'DELETE', path: '/rules' }),
  },
  'scenario apply': {
    summary: 'apply a scenario file (YAML or JSON); its rules replace the scenario',
    args: '<file>',
    positionals: 1,
    options: { name: string },
    build: async (values, [file]) => {
      const scenario = await readScenarioFile(file!, str(values.name));
      return {
        method: 'POST',
        path: `/scenarios/${encodeURIComponent(scenario.name)}`,
        body: { rules: scenario.rules },
      };
    },
  },
  'scenario remove': {
    summary: 'remove every rule of a scenario',
    args: '<name>',
    positionals: 1,
    build: (_values, [name]) => ({ method: 'DELETE', path: `/scenarios/${encodeURIComponent(name!)}` }),
  },
  'scenario activate': {
    summary: 'enable every rule of a scenario, optionally with a new TTL',
    args: '<name>',
    positionals: 1,
    options: { ttl: string },
    build: (values, [name]) => ({
      method: 'POST',
      path: `/scenarios/${encodeURIComponent(name!)}/activate`,
      body: values.ttl === undefined ? {} : { ttl: values.ttl },
    }),
  },
  'scenario deactivate': {
    summary: 'disable every rule of a scenario',
    args: '<name>',
    positionals: 1,
    build: (_values, [name]) => ({
      method: 'POST',
      path: `/scenarios/${encodeURIComponent(name!)}/deactivate`,
    }),
  },
  'scenario list': {
    summary: 'list the scenarios',
    build: () => ({ method: 'GET', path: '/scenarios' }),
  },
  'preset list': {
    summary: 'describe the built-in presets',
    build: () => ({ method: 'GET', path: '/presets' }),
  },
  'preset activate': {
    summary: 'materialise a preset as rules',
    args: '<name>',
    positionals: 1,
    options: { ttl: string, node: string, seed: string, bucket: string },
    build: (values, [name]) => ({
      method: 'POST',
      path: `/presets/${encodeURIComponent(name!)}/activate`,
      body: {
        ...(values.ttl === undefined ? {} : { ttl: values.ttl }),
        ...(values.node === undefined ? {} : { node: values.node }),
        ...(values.bucket === undefined ? {} : { bucket: values.bucket }),
        ...(values.seed === undefined ? {} : { seed: seedValue(values.seed as string) }),
      },
    }),
  },
  'origin set': {
    summary:
      "give a bucket an origin to read through to on a local miss (created when missing); defaults for what's not given",
    args: '<bucket>',
    positionals: 1,
    options: Object.fromEntries(
      Object.keys(ORIGIN_FLAGS).map((flag) => [
        flag,
        flag === 'no-write-back' ? { type: 'boolean' } : string,
      ]),
    ),
    build: (values, [bucket]) => ({
      method: 'PUT',
      path: `/api/v1/origins/${encodeURIComponent(bucket!)}`,
      body: originBody(values),
    }),
  },
  'origin get': {
    summary: "show a bucket's origin (never its credentials) and this instance's breaker and counters",
    args: '<bucket>',
    positionals: 1,
    build: (_values, [bucket]) => ({ method: 'GET', path: `/api/v1/origins/${encodeURIComponent(bucket!)}` }),
  },
  'origin list': {
    summary: 'list the origins in force (stored, and from ORIGIN_ENDPOINT/ORIGIN_BUCKETS)',
    build: () => ({ method: 'GET', path: '/api/v1/origins' }),
  },
  'origin delete': {
    summary: "remove a bucket's stored origin (the environment's, if any, applies again)",
    args: '<bucket>',
    positionals: 1,
    build: (_values, [bucket]) => ({
      method: 'DELETE',
      path: `/api/v1/origins/${encodeURIComponent(bucket!)}`,
    }),
  },
  kill: {
    summary: 'the kill switch: turn the engine off and expire every rule',
    build: () => ({ method: 'POST', path: '/disable-all' }),
  },
  enable: {
    summary: 'release the kill switch',
    build: () => ({ method: 'POST', path: '/enable' }),
  },
  status: {
    summary: 'engine on or off and why',
    build: () => ({ method: 'GET', path: '/status' }),
  },
  points: {
    summary: 'list the injection points and the fault types each allows',
    build: () => ({ method: 'GET', path: '/points' }),
  },
  events: {
    summary: 'show the hit log (--follow: keep polling until Ctrl-C)',
    options: {
      rule: string,
      scenario: string,
      'request-id': string,
      point: string,
      limit: string,
      follow: { type: 'boolean', short: 'f' },
      interval: string,
    },
    build: (values) => ({
      method: 'GET',
      path: '/events',
      query: {
        rule: str(values.rule),
        scenario: str(values.scenario),
        request_id: str(values['request-id']),
        point: str(values.point),
        limit: str(values.limit),
      },
    }),
  },
  explain: {
    summary: 'dry run: which rules would fire for a described event (--json)',
    options: { json: string },
    build: (values) => {
      if (values.json === undefined)
        throw new UsageError('explain needs --json \'{"service": "s3-api", ...}\'');
      return { method: 'POST', path: '/explain', body: jsonFlag(values.json as string) };
    },
  },
};

/** Options every command takes. */
// `--admin`, not `--endpoint`: `rules add --endpoint "PUT /:bucket/:key"` is a rule's route.
export const COMMON_OPTIONS = {
  admin: string,
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export interface ParsedCommand {
  name: string;
  spec: CommandSpec;
  values: Values;
  positionals: string[];
  endpoint: string;
}

/** The default control-plane endpoint: `MOCK_S3_ADMIN`, else the loopback admin port. */
export function defaultEndpoint(env: Readonly<Record<string, string | undefined>>): string {
  return env.MOCK_S3_ADMIN ?? 'http://127.0.0.1:9000';
}

/** Finds the command (one or two words) and parses its flags strictly. */
export function parseCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ParsedCommand {
  const two = argv.slice(0, 2).join(' ');
  const name = COMMANDS[two] !== undefined ? two : argv[0];
  if (name === undefined || COMMANDS[name] === undefined) {
    throw new UsageError(
      argv.length === 0 ? 'no command given' : `unknown command: ${argv.slice(0, 2).join(' ')}`,
    );
  }
  const spec = COMMANDS[name];
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv.slice(name.split(' ').length),
      options: { ...COMMON_OPTIONS, ...spec.options },
      allowPositionals: true,
      strict: true,
    }) as { values: Values; positionals: string[] };
  } catch (error) {
    throw new UsageError(`${name}: ${(error as Error).message}`);
  }
  const expected = spec.positionals ?? 0;
  if (parsed.values.help !== true && parsed.positionals.length !== expected) {
    throw new UsageError(`${name} takes ${expected === 0 ? 'no arguments' : spec.args}`);
  }
  return {
    name,
    spec,
    values: parsed.values,
    positionals: parsed.positionals,
    endpoint: str(parsed.values.admin) ?? defaultEndpoint(env),
  };
}

/** The usage text. */
export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, spec]) => {
    const flags = Object.keys(spec.options ?? {})
      .map((flag) => `[--${flag}]`)
      .join(' ');
    return `  ${[name, spec.args, flags].filter(Boolean).join(' ')}\n      ${spec.summary}`;
  });
  return [
    'usage: mock-s3 <command> [--admin URL]   (the control plane; default: $MOCK_S3_ADMIN or http://127.0.0.1:9000)',
    '',
    ...lines,
    '  load [--target URL] [--duration 30s] [--concurrency 16 | --rate 500/s] [--client sdk|raw] ...',
    '      S3 load with a per-operation summary (mock-s3 load --help lists every flag)',
    '  drill run FILE.yaml [--target URL] [--dry-run] [--time-scale F] ... | drill list | drill cleanup',
    '      a drill: load, faults on a timeline, rollback, a verdict and a report (mock-s3 drill --help)',
    '',
  ].join('\n');
}

function ruleBody(values: Values): unknown {
  const flags = Object.keys(RULE_FLAGS).filter((flag) => values[flag] !== undefined);
  if (values.json !== undefined) {
    if (flags.length > 0)
      throw new UsageError(`rules add: give --json or rule flags, not both (--${flags[0]})`);
    return jsonFlag(values.json as string);
  }
  if (values.type === undefined) throw new UsageError('rules add: --type (or --json) is required');
  const canonical = flags.some((flag) => 'canonical' in RULE_FLAGS[flag as RuleFlag]);
  const body: Record<string, unknown> = {};
  for (const flag of flags as RuleFlag[]) {
    const text = values[flag] as string;
    const value = NUMERIC_FLAGS.has(flag) ? numberFlag(flag, text) : text;
    const spec: { shorthand?: string; path: string } = RULE_FLAGS[flag];
    if (!canonical && spec.shorthand !== undefined) {
      body[spec.shorthand] = value;
      continue;
    }
    const [head, field] = spec.path.split('.') as [string, string | undefined];
    if (field === undefined) body[head] = value;
    else body[head] = { ...(body[head] as Record<string, unknown> | undefined), [field]: value };
  }
  return body;
}

function originBody(values: Values): Record<string, unknown> {
  if (values.endpoint === undefined) throw new UsageError('origin set: --endpoint is required');
  if ((values['access-key-id'] === undefined) !== (values['secret-access-key'] === undefined)) {
    throw new UsageError('origin set: give --access-key-id and --secret-access-key together');
  }
  const body: Record<string, unknown> = {};
  for (const [flag, field] of Object.entries(ORIGIN_FLAGS)) {
    const value = values[flag];
    if (value === undefined) continue;
    const [outer, inner] = field.split('.') as [string, string | undefined];
    const text = value as string;
    const fieldValue =
      flag === 'no-write-back' ? false : ORIGIN_NUMERIC_FLAGS.has(flag) ? numberFlag(flag, text) : text;
    if (inner === undefined) body[outer] = fieldValue;
    else body[outer] = { ...(body[outer] as Record<string, unknown> | undefined), [inner]: fieldValue };
  }
  return body;
}

function numberFlag(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`--${flag} must be a number, got ${text}`);
  return n;
}

function seedValue(text: string): number | string {
  return /^\d+$/.test(text) ? Number(text) : text;
}

function jsonFlag(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--json is not valid JSON: ${(error as Error).message}`);
  }
}

function str(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
