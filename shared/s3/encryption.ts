/**
 * Server-side encryption headers: SSE-S3 (AES256), SSE-KMS / DSSE-KMS (aws:kms, aws:kms:dsse) and
 * SSE-C (customer-provided keys). Nothing is encrypted: what a write asks for is validated as S3
 * validates it, stored with the object, echoed on its responses and required again where S3
 * requires it (an SSE-C object is read only with its key). The customer key itself is never kept,
 * only its MD5. https://docs.aws.amazon.com/AmazonS3/latest/userguide/serv-side-encryption.html
 */
import { createHash } from 'node:crypto';
import type { BucketRecord, ObjectEncryption, ObjectRecord } from '../metadata/ports.js';
import { S3Error } from './errors.js';

const SSE = 'x-amz-server-side-encryption';
const KMS_KEY_ID = 'x-amz-server-side-encryption-aws-kms-key-id';
const CONTEXT = 'x-amz-server-side-encryption-context';
const BUCKET_KEY_ENABLED = 'x-amz-server-side-encryption-bucket-key-enabled';
/** The SSE-C trio of a write or read, and the one naming a copy source's key. */
const CUSTOMER = 'x-amz-server-side-encryption-customer';
const COPY_SOURCE_CUSTOMER = 'x-amz-copy-source-server-side-encryption-customer';

/** `x-amz-server-side-encryption` values a general purpose bucket takes. */
export const SSE_ALGORITHMS = ['AES256', 'aws:kms', 'aws:kms:dsse'] as const;
const KMS_ALGORITHMS: ReadonlySet<string> = new Set(['aws:kms', 'aws:kms:dsse']);

/**
 * Key ARNs are reported in the region the service answers for (functions/s3-api/buckets.ts REGION)
 * and an account of its own; `aws/s3` is the AWS managed key S3 uses when a KMS write names none.
 */
const KMS_ARN_PREFIX = 'arn:aws:kms:us-east-1:000000000000:';
const AWS_MANAGED_KEY_ID = '9a6a2a7c-5e3c-4b1e-8f0d-6c2b9e1d3f40';

/**
 * The encryption a write stores: its `x-amz-server-side-encryption*` headers (SSE-C key MD5
 * checked), else the bucket's default encryption. Undefined means SSE-S3, S3's default for every
 * object since 2023 (the plain write stores nothing more).
 *
 * @throws S3Error InvalidArgument / InvalidEncryptionAlgorithmError for headers S3 refuses;
 *   AccessDenied for SSE-C in a bucket whose rule blocks it (BlockedEncryptionTypes)
 */
export function encryptionFrom(
  headers: Record<string, string>,
  bucket: BucketRecord,
): ObjectEncryption | undefined {
  const algorithm = headers[SSE];
  const customer = customerKeyOf(headers, CUSTOMER, algorithm);
  if (customer) {
    if (bucket.configs?.encryption?.[0]?.blockedEncryptionTypes?.includes('SSE-C')) {
      throw new S3Error('AccessDenied', {
        message:
          'This bucket has blocked upload requests that specify Server Side Encryption with Customer provided keys (SSE-C). Please specify a different server-side encryption type',
      });
    }
    return { customerAlgorithm: 'AES256', customerKeyMd5: customer.keyMd5 };
  }
  const kmsKeyId = headers[KMS_KEY_ID];
  if (algorithm === undefined) {
    if (kmsKeyId !== undefined) throw kmsKeyWithoutKms(kmsKeyId);
    return bucketDefault(headers, bucket);
  }
  if (!(SSE_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw new S3Error('InvalidArgument', {
      message: 'The encryption method specified is not supported',
      detail: { ArgumentName: SSE, ArgumentValue: algorithm },
    });
  }
  if (!KMS_ALGORITHMS.has(algorithm)) {
    if (kmsKeyId !== undefined) throw kmsKeyWithoutKms(kmsKeyId);
    return undefined;
  }
  const context = headers[CONTEXT];
  if (context !== undefined) assertEncryptionContext(context);
  const rule = bucket.configs?.encryption?.[0];
  const bucketKey =
    bucketKeyEnabled(headers) ?? (rule && KMS_ALGORITHMS.has(rule.algorithm) && rule.bucketKeyEnabled);
  return {
    algorithm,
    kmsKeyId: kmsKeyArn(kmsKeyId),
    ...(context !== undefined ? { kmsContext: context } : {}),
    // DSSE-KMS has no bucket keys.
    ...(bucketKey && algorithm === 'aws:kms' ? { bucketKeyEnabled: true } : {}),
  };
}

/** A write without encryption headers takes the bucket's default rule (PutBucketEncryption). */
function bucketDefault(headers: Record<string, string>, bucket: BucketRecord): ObjectEncryption | undefined {
  const rule = bucket.configs?.encryption?.[0];
  if (!rule || !KMS_ALGORITHMS.has(rule.algorithm)) return undefined;
  const bucketKey = bucketKeyEnabled(headers) ?? rule.bucketKeyEnabled;
  return {
    algorithm: rule.algorithm,
    kmsKeyId: kmsKeyArn(rule.kmsMasterKeyId),
    ...(bucketKey && rule.algorithm === 'aws:kms' ? { bucketKeyEnabled: true } : {}),
  };
}

function bucketKeyEnabled(headers: Record<string, string>): boolean | undefined {
  const value = headers[BUCKET_KEY_ENABLED];
  if (value === undefined) return undefined;
  const lower = value.trim().toLowerCase();
  if (lower !== 'true' && lower !== 'false') {
    throw new S3Error('InvalidArgument', {
      message: `Invalid value for header ${BUCKET_KEY_ENABLED}`,
      detail: { ArgumentName: BUCKET_KEY_ENABLED, ArgumentValue: value },
    });
  }
  return lower === 'true';
}

/** S3 reports the key as an ARN: a bare key id or alias is expanded, none is the `aws/s3` key. */
function kmsKeyArn(keyId: string | undefined): string {
  if (keyId === undefined || keyId === '') return `${KMS_ARN_PREFIX}key/${AWS_MANAGED_KEY_ID}`;
  if (keyId.startsWith('arn:')) return keyId;
  return keyId.startsWith('alias/') ? `${KMS_ARN_PREFIX}${keyId}` : `${KMS_ARN_PREFIX}key/${keyId}`;
}

function kmsKeyWithoutKms(kmsKeyId: string): S3Error {
  return new S3Error('InvalidArgument', {
    message:
      'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
    detail: { ArgumentName: KMS_KEY_ID, ArgumentValue: kmsKeyId },
  });
}

/** The context is base64 of a UTF-8 JSON object whose values are strings, or S3 refuses it. */
function assertEncryptionContext(value: string): void {
  let parsed: unknown;
  try {
    const text = Buffer.from(value, 'base64').toString('utf8');
    if (Buffer.from(text, 'utf8').toString('base64').replace(/=+$/, '') !== value.replace(/=+$/, '')) {
      throw new Error('not base64');
    }
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const isStringMap =
    typeof parsed === 'object' &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.values(parsed).every((entry) => typeof entry === 'string');
  if (!isStringMap) {
    throw new S3Error('InvalidArgument', {
      message: `The header '${CONTEXT}' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map`,
      detail: { ArgumentName: CONTEXT, ArgumentValue: value },
    });
  }
}

interface CustomerKey {
  /** base64 MD5 of the key, as S3 echoes it. */
  keyMd5: string;
}

/**
 * The SSE-C trio under `prefix`, validated in S3's order; undefined when the request has none.
 * `sseAlgorithm` is the request's `x-amz-server-side-encryption`, which SSE-C excludes.
 */
function customerKeyOf(
  headers: Record<string, string>,
  prefix: string,
  sseAlgorithm?: string,
): CustomerKey | undefined {
  const algorithm = headers[`${prefix}-algorithm`];
  const key = headers[`${prefix}-key`];
  const keyMd5 = headers[`${prefix}-key-md5`];
  if (algorithm === undefined && key === undefined && keyMd5 === undefined) return undefined;
  if (sseAlgorithm !== undefined) {
    throw new S3Error('InvalidArgument', {
      message:
        'Server Side Encryption with Customer provided key is incompatible with the encryption method specified',
      detail: { ArgumentName: SSE, ArgumentValue: sseAlgorithm },
    });
  }
  if (algorithm === undefined) {
    throw invalidCustomerKey(
      'Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.',
    );
  }
  if (key === undefined) {
    throw invalidCustomerKey(
      'Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.',
    );
  }
  if (algorithm !== 'AES256') {
    throw new S3Error('InvalidEncryptionAlgorithmError', {
      detail: { ArgumentName: SSE, ArgumentValue: algorithm },
    });
  }
  const bytes = Buffer.from(key, 'base64');
  const computed = createHash('md5').update(bytes).digest('base64');
  // The MD5 is checked before the key's length, as S3 answers a 24-byte key with a wrong MD5.
  if (keyMd5 !== undefined && keyMd5 !== computed) {
    throw invalidCustomerKey('The calculated MD5 hash of the key did not match the hash that was provided.');
  }
  if (bytes.length !== 32)
    throw invalidCustomerKey('The secret key was invalid for the specified algorithm.');
  return { keyMd5: computed };
}

function invalidCustomerKey(message: string): S3Error {
  return new S3Error('InvalidArgument', { message, detail: { ArgumentName: SSE, ArgumentValue: 'null' } });
}

/**
 * The encryption headers S3 echoes on PUT, GET, HEAD, Copy and multipart responses: SSE-S3 when
 * the object records nothing else; the KMS context only on writes (`withContext`), as S3 sends it.
 */
export function encryptionResponseHeaders(
  object: Pick<ObjectRecord, 'encryption'>,
  options: { withContext?: boolean } = {},
): Record<string, string> {
  const encryption = object.encryption;
  if (encryption?.customerAlgorithm !== undefined) {
    return {
      [`${CUSTOMER}-algorithm`]: encryption.customerAlgorithm,
      [`${CUSTOMER}-key-md5`]: encryption.customerKeyMd5 ?? '',
    };
  }
  const headers: Record<string, string> = { [SSE]: encryption?.algorithm ?? 'AES256' };
  if (encryption?.kmsKeyId !== undefined) headers[KMS_KEY_ID] = encryption.kmsKeyId;
  if (options.withContext && encryption?.kmsContext !== undefined) headers[CONTEXT] = encryption.kmsContext;
  if (encryption?.bucketKeyEnabled) headers[BUCKET_KEY_ENABLED] = 'true';
  return headers;
}

const NOT_APPLICABLE = 'The encryption parameters are not applicable to this object.';

/**
 * GET/HEAD of an SSE-C object must carry the same customer key (400 when missing, 403 when its
 * MD5 differs), as AWS answers; a plain object must not be read with one.
 *
 * @throws S3Error InvalidRequest, AccessDenied, InvalidArgument, InvalidEncryptionAlgorithmError
 */
export function assertReadableWith(headers: Record<string, string>, object: ObjectRecord): void {
  // S3 refuses SSE request headers on a read: the encryption of an object is fixed when written.
  if (headers[SSE] !== undefined) {
    throw new S3Error('InvalidArgument', {
      message: `${SSE} header is not supported for this operation.`,
      detail: { ArgumentName: SSE, ArgumentValue: headers[SSE] },
    });
  }
  assertKeyFor(headers, CUSTOMER, object);
}

/**
 * The source of a CopyObject or UploadPartCopy: an SSE-C source is read only with its key, given
 * in the `x-amz-copy-source-server-side-encryption-customer-*` headers.
 */
export function assertCopySourceReadableWith(headers: Record<string, string>, source: ObjectRecord): void {
  assertKeyFor(headers, COPY_SOURCE_CUSTOMER, source);
}

function assertKeyFor(headers: Record<string, string>, prefix: string, object: ObjectRecord): void {
  const stored = object.encryption?.customerKeyMd5;
  if (stored === undefined) {
    const sent = ['algorithm', 'key', 'key-md5'].some((name) => headers[`${prefix}-${name}`] !== undefined);
    if (sent) throw new S3Error('InvalidRequest', { message: NOT_APPLICABLE });
    return;
  }
  const key = headers[`${prefix}-key`];
  const given =
    headers[`${prefix}-key-md5`] ??
    (key === undefined ? undefined : createHash('md5').update(Buffer.from(key, 'base64')).digest('base64'));
  if (given === undefined) {
    throw new S3Error('InvalidRequest', {
      message:
        'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.',
    });
  }
  if (given !== stored) {
    throw new S3Error('AccessDenied', {
      message:
        'Requests specifying Server Side Encryption with Customer provided keys must provide the correct secret key.',
    });
  }
  customerKeyOf(headers, prefix);
}

/**
 * UploadPart (and UploadPartCopy's target) of an SSE-C upload must repeat the key CreateMultipartUpload
 * was given; a part of any other upload must not carry one.
 */
export function assertPartEncryption(
  headers: Record<string, string>,
  upload: Pick<ObjectRecord, 'encryption'>,
): void {
  const given = customerKeyOf(headers, CUSTOMER);
  const stored = upload.encryption?.customerKeyMd5;
  if ((given === undefined) !== (stored === undefined)) {
    throw new S3Error('InvalidRequest', {
      message:
        'The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.',
    });
  }
  if (given !== undefined && given.keyMd5 !== stored) {
    throw new S3Error('InvalidRequest', {
      message: 'The provided encryption parameters did not match the ones used originally.',
    });
  }
}

/** Whether a write names an encryption (which makes a copy onto itself legal). */
export function requestsEncryption(headers: Record<string, string>): boolean {
  return headers[SSE] !== undefined || headers[`${CUSTOMER}-algorithm`] !== undefined;
}
