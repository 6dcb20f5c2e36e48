import { describe, expect, it } from '@jest/globals';
import type { BucketRecord } from '../../../../shared/metadata/ports.js';
import {
  assertVersionIdFormat,
  newVersionId,
  versionIdHeader,
} from '../../../../shared/operations/versions.js';
import type { S3Services } from '../../../../shared/runtime/runtime.js';
import type { S3Error } from '../../../../shared/s3/errors.js';

const services = { newId: () => '0123456789abcdef0123456789abcdef' } as unknown as S3Services;
const bucket = (versioning?: BucketRecord['versioning']): BucketRecord => ({
  name: 'b',
  createdAt: new Date(0),
  ...(versioning ? { versioning } : {}),
});

function failure(versionId: string): S3Error | undefined {
  try {
    assertVersionIdFormat(versionId);
    return undefined;
  } catch (error) {
    return error as S3Error;
  }
}

describe('versions', () => {
  it('gives a new id only while versioning is Enabled (the null version otherwise)', () => {
    // Act
    const ids = [bucket(), bucket('Enabled'), bucket('Suspended')].map((record) =>
      newVersionId(services, record),
    );

    // Assess
    expect(ids).toEqual([undefined, '0123456789abcdef0123456789abcdef', undefined]);
  });

  it('sends x-amz-version-id only for a bucket that is or was versioned, `null` for the null version', () => {
    // Act
    const never = versionIdHeader(bucket(), {});
    const suspended = versionIdHeader(bucket('Suspended'), {});
    const enabled = versionIdHeader(bucket('Enabled'), { versionId: 'v'.repeat(32) });

    // Assess
    expect(never).toEqual({});
    expect(suspended).toEqual({ 'x-amz-version-id': 'null' });
    expect(enabled).toEqual({ 'x-amz-version-id': 'v'.repeat(32) });
  });

  it("accepts `null` and S3-shaped ids, refusing others with S3's InvalidArgument messages", () => {
    // Act
    const accepted = ['null', '0123456789abcdef0123456789abcdef', '3HL4kqCxf3vjVBH40Nrjfkd.Ab_c-xyz'].map(
      failure,
    );
    const empty = failure('');
    const short = failure('dsf');
    const spaced = failure(`${'a'.repeat(31)} `);

    // Assess
    expect(accepted).toEqual([undefined, undefined, undefined]);
    expect(empty).toMatchObject({
      code: 'InvalidArgument',
      message: 'Version id cannot be the empty string',
    });
    expect(short).toMatchObject({ code: 'InvalidArgument', message: 'Invalid version id specified' });
    expect(spaced).toMatchObject({ code: 'InvalidArgument', detail: { ArgumentName: 'versionId' } });
  });
});
