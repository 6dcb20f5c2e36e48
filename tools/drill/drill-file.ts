/**
 * The drill file (DRILLS.md "The drill file") parsed into a {@link DrillFile}, refusing anything
 * doubtful with a {@link DrillFileError} that names the field (`load.duration`, `method[2].at`)
 * before any load starts. Beyond DRILLS.md: `mode: embedded | stack | any`, `load.max_attempts` and
 * `origin:` (file/origin.ts).
 * Defaults: `seed` 1, `recovery` 10s, `rollback` always, `mode` any, `description` empty; `load`:
 * `duration` 30s, `concurrency` 16 (unless `rate`), `keys` 10000, `size` 1KiB, `mix`
 * put=40,get=50,list=5,delete=5, `client` sdk, `bucket` drill-{run}, `keep` false (the defaults of
 * `mock-s3 load`).
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { isValidBucketName } from '../../shared/s3/names.js';
import type { LoopSpec } from '../load/types.js';
import { parseMix, parseRate, parseSizeRange } from '../load/units.js';
import {
  booleanAt,
  durationAt,
  type Fields,
  integerAt,
  numberAt,
  objectAt,
  oneOf,
  stringAt,
  unitAt,
} from './file/fields.js';
import { parseMethod } from './file/method.js';
import { parseOrigin } from './file/origin.js';
import { parseSteadyState } from './file/steady-state.js';
import { type DrillFile, DrillFileError, type DrillLoad } from './types.js';

const NAME = /^[a-z0-9\-_.]{1,64}$/;
const TOP_KEYS = [
  'name',
  'description',
  'seed',
  'mode',
  'load',
  'origin',
  'steady_state',
  'method',
  'recovery',
  'rollback',
];
const LOAD_KEYS = [
  'duration',
  'concurrency',
  'rate',
  'keys',
  'size',
  'mix',
  'client',
  'max_attempts',
  'bucket',
  'keep',
];

const DEFAULTS = {
  seed: 1,
  recovery: '10s',
  duration: '30s',
  concurrency: 16,
  keys: 10_000,
  size: '1KiB',
  mix: 'put=40,get=50,list=5,delete=5',
  bucket: 'drill-{run}',
} as const;

/** Stands in for the run id when a `bucket:` template is checked (the runner's form and length). */
export const SAMPLE_RUN_ID = '20260101t000000z-0a1b2c';

function parseLoop(fields: Fields): LoopSpec {
  if (fields.concurrency !== undefined && fields.rate !== undefined) {
    throw new DrillFileError('load.rate', 'give concurrency (closed loop) or rate (open loop), not both');
  }
  if (fields.rate !== undefined) {
    const rate = fields.rate;
    const ratePerSecond =
      typeof rate === 'string' ? unitAt('load.rate', () => parseRate(rate)) : numberAt(rate, 'load.rate', 0);
    if (ratePerSecond <= 0) throw new DrillFileError('load.rate', 'must be above 0 operations per second');
    return { kind: 'open', ratePerSecond };
  }
  return {
    kind: 'closed',
    concurrency: integerAt(fields.concurrency ?? DEFAULTS.concurrency, 'load.concurrency', 1),
  };
}

function parseLoad(value: unknown): DrillLoad {
  const fields = objectAt(value ?? {}, 'load', LOAD_KEYS);
  const durationMs = durationAt(fields.duration ?? DEFAULTS.duration, 'load.duration');
  if (durationMs <= 0) throw new DrillFileError('load.duration', 'must be above 0');
  const size = fields.size ?? DEFAULTS.size;
  if (typeof size !== 'string')
    throw new DrillFileError('load.size', 'must be a size or a range (1KiB, 1KiB..64KiB)');
  const mix = fields.mix ?? DEFAULTS.mix;
  if (typeof mix !== 'string' && (typeof mix !== 'object' || mix === null || Array.isArray(mix))) {
    throw new DrillFileError('load.mix', 'must be weights ({ put: 40, get: 60 } or put=40,get=60)');
  }
  const client =
    fields.client === undefined ? 'sdk' : oneOf(fields.client, 'load.client', ['sdk', 'raw'] as const);
  if (fields.max_attempts !== undefined && client !== 'sdk') {
    throw new DrillFileError('load.max_attempts', 'only the sdk client retries (load.client is raw)');
  }
  const bucket = stringAt(fields.bucket ?? DEFAULTS.bucket, 'load.bucket');
  if (!isValidBucketName(bucket.replaceAll('{run}', SAMPLE_RUN_ID))) {
    throw new DrillFileError('load.bucket', `"${bucket}" is not a valid bucket name ({run} is the run id)`);
  }
  return {
    durationMs,
    loop: parseLoop(fields),
    keys: integerAt(fields.keys ?? DEFAULTS.keys, 'load.keys', 1),
    size: unitAt('load.size', () => parseSizeRange(size)),
    mix: unitAt('load.mix', () => parseMix(mix as string | Readonly<Record<string, unknown>>)),
    client,
    ...(fields.max_attempts === undefined
      ? {}
      : { maxAttempts: integerAt(fields.max_attempts, 'load.max_attempts', 1) }),
    bucket,
    keep: fields.keep === undefined ? false : booleanAt(fields.keep, 'load.keep'),
  };
}

/**
 * Parses a drill file's text. `path` names it in messages and is where `scenario:` files are read
 * from (relative to its folder, synchronously: a missing one refuses the drill here).
 *
 * @throws DrillFileError naming the field (`load.durationx` for an unknown key, `method[2].at`)
 */
export function parseDrillFile(text: string, path: string): DrillFile {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new DrillFileError(path, `not YAML: ${(error as Error).message}`);
  }
  const fields = objectAt(doc, '', TOP_KEYS);
  const name = stringAt(fields.name ?? '', 'name');
  if (!NAME.test(name)) throw new DrillFileError('name', `"${name}" is not [a-z0-9-_.]{1,64}`);
  const rollback = fields.rollback ?? 'always';
  if (rollback !== 'always') {
    throw new DrillFileError(
      'rollback',
      `"${String(rollback)}": the only value is always (faults are always undone)`,
    );
  }
  const load = parseLoad(fields.load);
  const origin = parseOrigin(fields.origin, load, SAMPLE_RUN_ID);
  return {
    name,
    description: fields.description === undefined ? '' : stringAt(fields.description, 'description'),
    seed: integerAt(fields.seed ?? DEFAULTS.seed, 'seed', 0),
    load,
    ...(origin === undefined ? {} : { origin }),
    steadyState: parseSteadyState(fields.steady_state),
    method: parseMethod(fields.method, path, load.durationMs),
    recoveryMs: durationAt(fields.recovery ?? DEFAULTS.recovery, 'recovery'),
    rollback,
    mode:
      fields.mode === undefined ? 'any' : oneOf(fields.mode, 'mode', ['embedded', 'stack', 'any'] as const),
    source: text,
    path,
  };
}

/** Reads and parses a drill file; a file that cannot be read is refused as `path`. */
export async function readDrillFile(path: string): Promise<DrillFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DrillFileError(path, code === 'ENOENT' ? 'no such drill file' : `cannot read it: ${code}`);
  }
  return parseDrillFile(text, path);
}
