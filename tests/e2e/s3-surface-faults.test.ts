import {
  DeleteBucketCorsCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketOwnershipControlsCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectTaggingCommand,
  GetBucketAclCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectAclCommand,
  GetObjectAttributesCommand,
  GetObjectTaggingCommand,
  ListObjectVersionsCommand,
  PutBucketAclCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type FaultTarget, startFaultServer } from '../support/e2e/faults.js';
import { parseXml, rawRequest, type S3ErrorBody, sdkError } from '../support/e2e/http.js';

/**
 * The fault layer reaches the operations of issue 15 like every other S3 operation: a rule that
 * names one of them (`match.operation`) is what the client sees for that call and for no other, and
 * a metadata point fault on a sub-resource write leaves the stored state as it was. Rules are per
 * server, so the file has an embedded server of its own (and is left out of the stack run).
 */
jest.setTimeout(120_000);

let target: FaultTarget;
let bucket: string;
const KEY = 'surface/object.txt';

beforeAll(async () => {
  target = await startFaultServer();
  bucket = await target.createBucket('surface-faults');
  await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: 'surface' }));
}, 120_000);

afterEach(async () => {
  await target.faults.reset();
});

afterAll(async () => {
  await target?.close();
});

/** What the client got: the HTTP status and, for an error, its S3 code. */
interface Outcome {
  status: number | undefined;
  code?: string;
}

/** An SDK call's outcome: 200 when it succeeded, else the S3 error the SDK parsed. */
async function viaSdk(send: () => Promise<unknown>): Promise<Outcome> {
  try {
    await send();
    return { status: 200 };
  } catch (error) {
    const failed = error as { name: string; $metadata?: { httpStatusCode?: number } };
    return { status: failed.$metadata?.httpStatusCode, code: failed.name };
  }
}

/** A raw request's outcome: its status and the `<Error><Code>` of its body, when there is one. */
async function viaHttp(init: Parameters<typeof rawRequest>[1]): Promise<Outcome> {
  const answer = await rawRequest(target.endpoint, init);
  const error = answer.text.startsWith('<?xml') ? ((parseXml(answer.text).Error ?? {}) as S3ErrorBody) : {};
  return { status: answer.status, ...(error.Code === undefined ? {} : { code: error.Code }) };
}

/** A browser form upload: one `key` field and a small file, as multipart/form-data. */
function postObjectForm(key: string): Parameters<typeof rawRequest>[1] {
  const boundary = '----surface-faults-boundary';
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\n${key}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    ),
    Buffer.from([0, 1, 2, 255]),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return {
    method: 'POST',
    path: `/${bucket}`,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length },
    body,
  };
}

/** Every operation the issue added, by the name fault rules match, and one call of it. */
const OPERATIONS: [string, () => Promise<Outcome>][] = [
  [
    'PutBucketVersioning',
    () =>
      viaSdk(() =>
        target.client.send(
          new PutBucketVersioningCommand({
            Bucket: bucket,
            VersioningConfiguration: { Status: 'Suspended' },
          }),
        ),
      ),
  ],
  [
    'GetBucketVersioning',
    () => viaSdk(() => target.client.send(new GetBucketVersioningCommand({ Bucket: bucket }))),
  ],
  [
    'ListObjectVersions',
    () => viaSdk(() => target.client.send(new ListObjectVersionsCommand({ Bucket: bucket }))),
  ],
  [
    'PutObjectTagging',
    () =>
      viaSdk(() =>
        target.client.send(
          new PutObjectTaggingCommand({
            Bucket: bucket,
            Key: KEY,
            Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] },
          }),
        ),
      ),
  ],
  [
    'GetObjectTagging',
    () => viaSdk(() => target.client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: KEY }))),
  ],
  [
    'DeleteObjectTagging',
    () => viaSdk(() => target.client.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: KEY }))),
  ],
  [
    'PutBucketTagging',
    () =>
      viaSdk(() =>
        target.client.send(
          new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }),
        ),
      ),
  ],
  [
    'GetBucketTagging',
    () => viaSdk(() => target.client.send(new GetBucketTaggingCommand({ Bucket: bucket }))),
  ],
  [
    'DeleteBucketTagging',
    () => viaSdk(() => target.client.send(new DeleteBucketTaggingCommand({ Bucket: bucket }))),
  ],
  [
    'GetObjectAcl',
    () => viaSdk(() => target.client.send(new GetObjectAclCommand({ Bucket: bucket, Key: KEY }))),
  ],
  [
    'PutObjectAcl',
    () =>
      viaSdk(() => target.client.send(new PutObjectAclCommand({ Bucket: bucket, Key: KEY, ACL: 'private' }))),
  ],
  ['GetBucketAcl', () => viaSdk(() => target.client.send(new GetBucketAclCommand({ Bucket: bucket })))],
  [
    'PutBucketAcl',
    () => viaSdk(() => target.client.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'private' }))),
  ],
  [
    'PutBucketCors',
    () =>
      viaSdk(() =>
        target.client.send(
          new PutBucketCorsCommand({
            Bucket: bucket,
            CORSConfiguration: { CORSRules: [{ AllowedMethods: ['GET'], AllowedOrigins: ['*'] }] },
          }),
        ),
      ),
  ],
  ['GetBucketCors', () => viaSdk(() => target.client.send(new GetBucketCorsCommand({ Bucket: bucket })))],
  [
    'DeleteBucketCors',
    () => viaSdk(() => target.client.send(new DeleteBucketCorsCommand({ Bucket: bucket }))),
  ],
  [
    'PreflightRequest',
    () =>
      viaHttp({
        method: 'OPTIONS',
        path: `/${bucket}/${KEY}`,
        headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
      }),
  ],
  ['PostObject', () => viaHttp(postObjectForm('surface/posted.bin'))],
  [
    'PutBucketEncryption',
    () =>
      viaSdk(() =>
        target.client.send(
          new PutBucketEncryptionCommand({
            Bucket: bucket,
            ServerSideEncryptionConfiguration: {
              Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
            },
          }),
        ),
      ),
  ],
  [
    'GetBucketEncryption',
    () => viaSdk(() => target.client.send(new GetBucketEncryptionCommand({ Bucket: bucket }))),
  ],
  [
    'DeleteBucketEncryption',
    () => viaSdk(() => target.client.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }))),
  ],
  [
    'GetObjectAttributes',
    () =>
      viaSdk(() =>
        target.client.send(
          new GetObjectAttributesCommand({
            Bucket: bucket,
            Key: KEY,
            ObjectAttributes: ['ETag', 'ObjectSize'],
          }),
        ),
      ),
  ],
  [
    'PutBucketOwnershipControls',
    () =>
      viaSdk(() =>
        target.client.send(
          new PutBucketOwnershipControlsCommand({
            Bucket: bucket,
            OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
          }),
        ),
      ),
  ],
  [
    'GetBucketOwnershipControls',
    () => viaSdk(() => target.client.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket }))),
  ],
  [
    'DeleteBucketOwnershipControls',
    () => viaSdk(() => target.client.send(new DeleteBucketOwnershipControlsCommand({ Bucket: bucket }))),
  ],
];

describe('an s3_error rule naming one of the new operations', () => {
  it.each(
    OPERATIONS.map(([name, call], index) => {
      // The next operation of the table (often the same sub-resource's other method) is the one the
      // rule must leave alone.
      const [otherName, other] = OPERATIONS[(index + 1) % OPERATIONS.length]!;
      return { name, call, otherName, other };
    }),
  )('$name answers SlowDown 503; $otherName is untouched', async ({ name, call, otherName, other }) => {
    // Prepare
    const rule = await target.faults.addRule({
      match: { operation: name, bucket },
      fault: { type: 's3_error', code: 'SlowDown' },
      ttl: '5m',
    });

    // Act
    const faulted = await call();
    const untouched = await other();
    const firings = await target.faults.events({ rule: rule.id });

    // Assess
    expect(faulted).toEqual({ status: 503, code: 'SlowDown' });
    expect(untouched).not.toEqual({ status: 503, code: 'SlowDown' });
    expect(firings.map((firing) => firing.operation)).toEqual([name]);
    expect(otherName).not.toBe(name);
  });
});

describe('a metadata point fault on PutObjectTagging', () => {
  it('db_error at db.commit.before: the client sees 503 ServiceUnavailable and the tags stay as they were', async () => {
    // Prepare
    const key = 'surface/tagged.txt';
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'tagged' }));
    await target.client.send(
      new PutObjectTaggingCommand({
        Bucket: bucket,
        Key: key,
        Tagging: { TagSet: [{ Key: 'stage', Value: 'one' }] },
      }),
    );
    const rule = await target.faults.addRule({
      match: { service: 'metadata', point: 'db.commit.before', operation: 'PutObjectTagging', bucket },
      fault: { type: 'db_error', sqlstate: '40001' },
      ttl: '5m',
    });

    // Act
    const refused = await sdkError(
      target.client.send(
        new PutObjectTaggingCommand({
          Bucket: bucket,
          Key: key,
          Tagging: { TagSet: [{ Key: 'stage', Value: 'two' }] },
        }),
      ),
    );
    await target.faults.removeRule(rule.id);
    const after = await target.client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));

    // Assess
    expect(refused).toEqual({ name: 'ServiceUnavailable', status: 503 });
    expect(after.TagSet).toEqual([{ Key: 'stage', Value: 'one' }]);
  });
});
