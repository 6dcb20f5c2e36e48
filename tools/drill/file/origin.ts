/**
 * `origin:` of a drill file *(extension)*: the drill's bucket reads through to an origin, another
 * bucket of the same target, made and seeded with `keys` objects before the load (the load's reads
 * of those keys miss locally and are fetched from it), attached with `PUT /api/v1/origins/{bucket}`
 * and removed after the final read-back. `config` is the rest of that body (the origin's limits,
 * breaker, write-back), checked now by the server's own parser.
 */
import { parseOriginConfig } from '../../../shared/origin/origin-config.js';
import { isValidBucketName } from '../../../shared/s3/names.js';
import { parseSizeRange } from '../../load/units.js';
import { DrillFileError, type DrillLoad, type DrillOrigin } from '../types.js';
import { type Fields, fieldPath, integerAt, objectAt, stringAt, unitAt } from './fields.js';

const ORIGIN_KEYS = ['bucket', 'keys', 'size', 'config'] as const;
/** The drill names the origin itself (a bucket of the target): these fields are not the file's to give. */
const FIXED_CONFIG_FIELDS = ['endpoint', 'bucket', 'kind'] as const;
/** Operations whose outcome a read-through bucket makes unjudgeable: a deleted key reads through again. */
const REFUSED_OPERATIONS = ['delete'] as const;

/**
 * Parses `origin:` (absent: undefined). `sampleRunId` stands in for `{run}` when names are checked.
 * @throws DrillFileError naming the field (`origin.config.breaker.failures`, `origin.keys`).
 */
export function parseOrigin(value: unknown, load: DrillLoad, sampleRunId: string): DrillOrigin | undefined {
  if (value === undefined || value === null) return undefined;
  const fields = objectAt(value, 'origin', ORIGIN_KEYS);
  const bucket = stringAt(fields.bucket ?? `${load.bucket}-origin`, 'origin.bucket');
  const sampleBucket = bucket.replaceAll('{run}', sampleRunId);
  if (!isValidBucketName(sampleBucket)) {
    throw new DrillFileError('origin.bucket', `"${bucket}" is not a valid bucket name ({run} is the run id)`);
  }
  if (sampleBucket === load.bucket.replaceAll('{run}', sampleRunId)) {
    throw new DrillFileError('origin.bucket', 'must differ from load.bucket (the bucket that reads through)');
  }
  const keys = integerAt(fields.keys ?? load.keys, 'origin.keys', 1);
  if (keys > load.keys) {
    throw new DrillFileError(
      'origin.keys',
      `${keys} is more than load.keys (${load.keys}): seeded keys are load keys`,
    );
  }
  for (const operation of REFUSED_OPERATIONS) {
    if ((load.mix[operation] ?? 0) > 0) {
      throw new DrillFileError(
        'load.mix',
        `${operation} in a bucket with an origin: the next read fetches the key from the origin again, so the checker could not tell a resurrection from read-through`,
      );
    }
  }
  const size = fields.size ?? '1KiB';
  if (typeof size !== 'string') throw new DrillFileError('origin.size', 'must be a size or a range (1KiB)');
  const config = fields.config === undefined ? {} : objectAt(fields.config, 'origin.config', 'any');
  for (const field of FIXED_CONFIG_FIELDS) {
    if (config[field] !== undefined) {
      throw new DrillFileError(
        fieldPath('origin.config', field),
        'set by the drill (the origin is origin.bucket of the target, kind s3)',
      );
    }
  }
  checkConfig(config, sampleBucket, load.bucket.replaceAll('{run}', sampleRunId));
  return {
    bucket,
    keys,
    size: unitAt('origin.size', () => parseSizeRange(size)),
    config,
  };
}

/**
 * Signs the origin's requests when the file gives no credentials: the target is this project (any
 * key is accepted), and the SDK's default chain would look for a machine's credentials instead.
 */
const DRILL_CREDENTIALS = { accessKeyId: 'mock-s3-drill', secretAccessKey: 'mock-s3-drill' } as const;

/** The body of `PUT /api/v1/origins/{bucket}` for a drill whose target is `target`. */
export function originBody(origin: DrillOrigin, target: string, originBucket: string): Fields {
  return {
    credentials: DRILL_CREDENTIALS,
    ...origin.config,
    endpoint: target,
    bucket: originBucket,
    kind: 's3',
  };
}

function checkConfig(config: Fields, originBucket: string, bucket: string): void {
  const parsed = parseOriginConfig(
    bucket,
    originBody(
      { bucket: originBucket, keys: 1, size: { min: 1, max: 1 }, config },
      'http://127.0.0.1:8080',
      originBucket,
    ),
  );
  if (!parsed.ok) throw new DrillFileError(fieldPath('origin.config', parsed.field), parsed.error);
}
