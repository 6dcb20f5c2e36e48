/**
 * The flags of `mock-s3 load` (DRILLS.md "Commands"), parsed strictly: a bad flag is a
 * {@link UsageError} naming it (exit 2), before anything is sent.
 */
import { parseArgs } from 'node:util';
import { defaultEndpoint, UsageError } from '../cli/commands.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './clients/create-client.js';
import type { ClientKind, LoadMix, LoopSpec, SizeRange } from './types.js';
import { parseDuration, parseMix, parseRate, parseSizeRange, UnitError } from './units.js';

/** Embedded mode's S3 port on loopback. */
export const DEFAULT_TARGET = 'http://127.0.0.1:8080';
export const LOAD_DEFAULTS = {
  durationMs: 30_000,
  concurrency: 16,
  keys: 10_000,
  size: '1KiB',
  mix: 'put=40,get=50,list=5,delete=5',
  client: 'sdk',
} as const;

export interface LoadOptions {
  readonly target: string;
  readonly admin: string;
  readonly durationMs: number;
  readonly loop: LoopSpec;
  readonly keys: number;
  readonly size: SizeRange;
  readonly mix: LoadMix;
  readonly client: ClientKind;
  /** Undefined: the command picks one and prints it, so the run can be replayed. */
  readonly seed?: number;
  readonly out?: string;
  /** Undefined: a bucket of the run's own, created and deleted. */
  readonly bucket?: string;
  readonly keep: boolean;
  readonly timeoutMs: number;
  readonly maxAttempts?: number;
  readonly help: boolean;
}

const string = { type: 'string' } as const;
const LOAD_FLAGS = {
  target: string,
  admin: string,
  duration: string,
  concurrency: string,
  rate: string,
  keys: string,
  size: string,
  mix: string,
  client: string,
  seed: string,
  out: string,
  bucket: string,
  keep: { type: 'boolean' },
  timeout: string,
  'max-attempts': string,
  help: { type: 'boolean', short: 'h' },
} as const;

export const LOAD_USAGE = [
  'usage: mock-s3 load [--target URL] [--admin URL] [--duration 30s] [--concurrency 16 | --rate 500/s]',
  '                    [--keys 10000] [--size 1KiB | --size 1KiB..1MiB] [--mix put=40,get=50,list=5,delete=5]',
  '                    [--client sdk|raw] [--seed N] [--out DIR] [--bucket NAME] [--keep] [--timeout 10s]',
  '                    [--max-attempts N]',
  '  S3 load against --target (default http://127.0.0.1:8080): closed loop (--concurrency) or open',
  '  loop (--rate, latency from the intended send time); prints a per-operation summary.',
  '',
].join('\n');

function unit<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof UnitError) throw new UsageError(`load: --${flag}: ${error.message}`);
    throw error;
  }
}

function wholeNumber(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`load: --${flag} must be a whole number >= ${min}, not "${text}"`);
  }
  return value;
}

function httpUrl(flag: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`load: --${flag} must be a URL such as http://127.0.0.1:8080, not "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`load: --${flag} must be an http:// URL, not "${text}"`);
  return text.replace(/\/+$/, '');
}

/** Parses the arguments after `load`. */
export function parseLoadOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): LoadOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: LOAD_FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    // node:util's messages name the flag: "Unknown option '--rat'", "Option '--keys <value>' argument missing".
    throw new UsageError(`load: ${(error as Error).message}`);
  }
  const text = (name: string) => values[name] as string | undefined;
  if (text('rate') !== undefined && text('concurrency') !== undefined)
    throw new UsageError('load: --rate and --concurrency exclude each other (open or closed loop)');
  const rate = text('rate');
  const loop: LoopSpec =
    rate === undefined
      ? {
          kind: 'closed',
          concurrency: wholeNumber(
            'concurrency',
            text('concurrency') ?? String(LOAD_DEFAULTS.concurrency),
            1,
          ),
        }
      : { kind: 'open', ratePerSecond: unit('rate', () => parseRate(rate)) };
  const keys = wholeNumber('keys', text('keys') ?? String(LOAD_DEFAULTS.keys), 1);
  if (loop.kind === 'closed' && keys < 2 * loop.concurrency)
    throw new UsageError(
      `load: --keys (${keys}) must be at least twice --concurrency (${loop.concurrency}): no two operations share a key`,
    );
  const durationMs = unit('duration', () => parseDuration(text('duration') ?? '30s'));
  if (durationMs <= 0) throw new UsageError('load: --duration must be above 0');
  const timeoutMs = unit('timeout', () =>
    parseDuration(text('timeout') ?? `${DEFAULT_REQUEST_TIMEOUT_MS}ms`),
  );
  if (timeoutMs <= 0) throw new UsageError('load: --timeout must be above 0');
  const client = text('client') ?? LOAD_DEFAULTS.client;
  if (client !== 'sdk' && client !== 'raw')
    throw new UsageError(`load: --client must be sdk or raw, not "${client}"`);
  const maxAttemptsText = text('max-attempts');
  if (maxAttemptsText !== undefined && client !== 'sdk')
    throw new UsageError('load: --max-attempts is for --client sdk (the raw client makes one attempt)');
  const bucket = text('bucket');
  if (bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new UsageError(`load: --bucket "${bucket}" is not a valid bucket name`);
  const out = text('out');
  if (out === '') throw new UsageError('load: --out needs a directory');
  const seedText = text('seed');
  return {
    target: httpUrl('target', text('target') ?? DEFAULT_TARGET),
    admin: httpUrl('admin', text('admin') ?? defaultEndpoint(env)),
    durationMs,
    loop,
    keys,
    size: unit('size', () => parseSizeRange(text('size') ?? LOAD_DEFAULTS.size)),
    mix: unit('mix', () => parseMix(text('mix') ?? LOAD_DEFAULTS.mix)),
    client,
    ...(seedText === undefined ? {} : { seed: wholeNumber('seed', seedText, 0) }),
    ...(out === undefined ? {} : { out }),
    ...(bucket === undefined ? {} : { bucket }),
    keep: values.keep === true,
    timeoutMs,
    ...(maxAttemptsText === undefined
      ? {}
      : { maxAttempts: wholeNumber('max-attempts', maxAttemptsText, 1) }),
    help: values.help === true,
  };
}
