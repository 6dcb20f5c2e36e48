import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { crc32c } from '@aws-crypto/crc32c';
import { Crc64Nvme as SdkCrc64Nvme } from '@aws-sdk/crc64-nvme';
import { describe, expect, it } from '@jest/globals';
import {
  checksumAlgorithmOfHeader,
  checksumBase64,
  checksumHeaderName,
  combineFullObjectCrc,
  compositeChecksum,
  createHasher,
  decodeChecksum,
  findChecksumHeaders,
  type HashAlgorithm,
  md5Hex,
  multipartEtag,
  parseChecksumAlgorithm,
} from '../../../../shared/s3/checksums.js';

const CHECK_INPUT = Buffer.from('123456789');

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
function pseudoRandomBytes(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

async function sdkCrc64Nvme(bytes: Buffer): Promise<string> {
  const hash = new SdkCrc64Nvme();
  hash.update(bytes);
  return Buffer.from(await hash.digest()).toString('base64');
}

function awsCryptoCrc32c(bytes: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32c(bytes));
  return out.toString('base64');
}

describe('createHasher', () => {
  // The catalogued check values of each algorithm for "123456789".
  const vectors: [HashAlgorithm, string][] = [
    ['CRC32', 'cbf43926'],
    ['CRC32C', 'e3069283'],
    ['CRC64NVME', 'ae8b14860a799888'],
    ['SHA1', 'f7c3bc1d808e04732adf679965ccc34ca7ae3441'],
    ['SHA256', '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225'],
    ['MD5', '25f9e794323b453885f5181f1b624d0b'],
  ];

  it.each(vectors)('computes the check value of %s in one piece', (algorithm, expected) => {
    // Prepare
    const hasher = createHasher(algorithm);

    // Act
    hasher.update(CHECK_INPUT);

    // Assess
    expect(hasher.digest().toString('hex')).toBe(expected);
  });

  it.each(vectors)(
    'computes the check value of %s over several chunks, one of them empty',
    (algorithm, expected) => {
      // Prepare
      const hasher = createHasher(algorithm);

      // Act
      for (const chunk of [CHECK_INPUT.subarray(0, 3), CHECK_INPUT.subarray(3, 3), CHECK_INPUT.subarray(3)]) {
        hasher.update(chunk);
      }

      // Assess
      expect(hasher.digest().toString('hex')).toBe(expected);
    },
  );

  it.each([
    ['CRC32', 4],
    ['CRC32C', 4],
    ['CRC64NVME', 8],
  ] as const)('gives the %s of no bytes as %i zero bytes', (algorithm, length) => {
    // Act
    const digest = createHasher(algorithm).digest();

    // Assess
    expect(digest).toEqual(Buffer.alloc(length));
  });

  it.each([1, 7, 8, 9, 1000, 65_543])('agrees with the AWS SDK CRC64NVME on %i bytes', async (length) => {
    // Prepare
    const bytes = pseudoRandomBytes(length, length);

    // Act
    const ours = checksumBase64('CRC64NVME', bytes);

    // Assess
    expect(ours).toBe(await sdkCrc64Nvme(bytes));
  });

  it.each([1, 7, 8, 9, 1000, 65_543])('agrees with @aws-crypto/crc32c on %i bytes', (length) => {
    // Prepare
    const bytes = pseudoRandomBytes(length, length + 1);

    // Act
    const ours = checksumBase64('CRC32C', bytes);

    // Assess
    expect(ours).toBe(awsCryptoCrc32c(bytes));
  });

  it('agrees with zlib CRC32 on unaligned chunks', () => {
    // Prepare
    const bytes = pseudoRandomBytes(10_007, 3);
    const hasher = createHasher('CRC32');

    // Act
    for (let offset = 0; offset < bytes.length; offset += 333)
      hasher.update(bytes.subarray(offset, offset + 333));

    // Assess
    expect(hasher.digest().readUInt32BE(0)).toBe(crc32(bytes));
  });
});

describe('checksumBase64 and md5Hex', () => {
  it('encodes the CRC32 of "123456789" as S3 sends it', () => {
    expect(checksumBase64('CRC32', CHECK_INPUT)).toBe('y/Q5Jg==');
  });

  it('encodes the CRC32C of "123456789" as S3 sends it', () => {
    expect(checksumBase64('CRC32C', CHECK_INPUT)).toBe('4waSgw==');
  });

  it('gives the hex MD5 of the empty body', () => {
    expect(md5Hex(Buffer.alloc(0))).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });
});

describe('compositeChecksum', () => {
  it('hashes the concatenated binary part checksums and appends the part count', () => {
    // Prepare
    const parts = [Buffer.from('hello '), Buffer.from('world')];
    const partChecksums = parts.map((part) => checksumBase64('CRC32', part));
    const concatenated = Buffer.concat(partChecksums.map((value) => Buffer.from(value, 'base64')));
    const expected = Buffer.alloc(4);
    expected.writeUInt32BE(crc32(concatenated));

    // Act
    const composite = compositeChecksum('CRC32', partChecksums);

    // Assess
    expect(composite).toBe(`${expected.toString('base64')}-2`);
  });

  it('works for SHA256 parts', () => {
    // Prepare
    const partChecksums = ['a', 'b', 'c'].map((text) => checksumBase64('SHA256', Buffer.from(text)));
    const expected = createHash('sha256')
      .update(Buffer.concat(partChecksums.map((value) => Buffer.from(value, 'base64'))))
      .digest('base64');

    // Act
    const composite = compositeChecksum('SHA256', partChecksums);

    // Assess
    expect(composite).toBe(`${expected}-3`);
  });
});

describe('combineFullObjectCrc', () => {
  const algorithms = ['CRC32', 'CRC32C', 'CRC64NVME'] as const;

  it.each(algorithms)('gives the %s of the concatenation of uneven parts', (algorithm) => {
    // Prepare
    const sizes = [5000, 1, 0, 4096, 77_777, 3];
    const parts = sizes.map((size, index) => pseudoRandomBytes(size, index + 11));
    const inputs = parts.map((part) => ({ checksum: checksumBase64(algorithm, part), size: part.length }));

    // Act
    const combined = combineFullObjectCrc(algorithm, inputs);

    // Assess
    expect(combined).toBe(checksumBase64(algorithm, Buffer.concat(parts)));
  });

  it.each(algorithms)('gives the %s of many equal parts (the cached shift)', (algorithm) => {
    // Prepare
    const parts = Array.from({ length: 20 }, (_, index) => pseudoRandomBytes(1024, index + 100));
    const inputs = parts.map((part) => ({ checksum: checksumBase64(algorithm, part), size: part.length }));

    // Act
    const combined = combineFullObjectCrc(algorithm, inputs);

    // Assess
    expect(combined).toBe(checksumBase64(algorithm, Buffer.concat(parts)));
  });

  it('returns the one part checksum for a single part', () => {
    // Prepare
    const checksum = checksumBase64('CRC64NVME', CHECK_INPUT);

    // Act
    const combined = combineFullObjectCrc('CRC64NVME', [{ checksum, size: CHECK_INPUT.length }]);

    // Assess
    expect(combined).toBe(checksum);
  });

  it('gives the CRC of no bytes for no parts', () => {
    expect(combineFullObjectCrc('CRC64NVME', [])).toBe(Buffer.alloc(8).toString('base64'));
  });
});

describe('multipartEtag', () => {
  it('hashes the concatenated binary part MD5s, quoted with the part count', () => {
    // Prepare
    const parts = [Buffer.from('part one'), Buffer.from('part two')];
    const expected = createHash('md5')
      .update(Buffer.concat(parts.map((part) => createHash('md5').update(part).digest())))
      .digest('hex');

    // Act
    const etag = multipartEtag(parts.map((part) => `"${md5Hex(part)}"`));

    // Assess
    expect(etag).toBe(`"${expected}-2"`);
  });

  it('accepts unquoted part ETags', () => {
    // Prepare
    const partEtags = ['25f9e794323b453885f5181f1b624d0b'];

    // Act
    const unquoted = multipartEtag(partEtags);

    // Assess
    expect(unquoted).toBe(multipartEtag(partEtags.map((etag) => `"${etag}"`)));
  });
});

describe('checksum header helpers', () => {
  it('names the header of each algorithm', () => {
    expect(checksumHeaderName('CRC64NVME')).toBe('x-amz-checksum-crc64nvme');
  });

  it('reads the algorithm of a header name and ignores the headers that carry no value', () => {
    // Act
    const names = [
      'x-amz-checksum-crc32c',
      'X-Amz-Checksum-SHA1',
      'x-amz-checksum-algorithm',
      'x-amz-checksum-md4',
    ];

    // Assess
    expect(names.map(checksumAlgorithmOfHeader)).toEqual(['CRC32C', 'SHA1', undefined, undefined]);
  });

  it('finds every checksum value header, unknown algorithms included', () => {
    // Prepare
    const headers = {
      'x-amz-checksum-crc32': 'AAAAAA==',
      'x-amz-checksum-md4': 'x',
      'x-amz-checksum-type': 'FULL_OBJECT',
      'x-amz-checksum-mode': 'ENABLED',
      'content-type': 'text/plain',
    };

    // Act
    const found = findChecksumHeaders(headers);

    // Assess
    expect(found).toEqual([
      { name: 'x-amz-checksum-crc32', algorithm: 'CRC32', value: 'AAAAAA==' },
      { name: 'x-amz-checksum-md4', algorithm: undefined, value: 'x' },
    ]);
  });

  it('parses algorithm names case-insensitively', () => {
    expect(['crc64nvme', ' Sha256 ', 'MD5'].map(parseChecksumAlgorithm)).toEqual([
      'CRC64NVME',
      'SHA256',
      undefined,
    ]);
  });

  it('decodes only padded base64 of the digest length', () => {
    // Act
    const results = [
      decodeChecksum('CRC32', 'y/Q5Jg=='),
      decodeChecksum('CRC32', 'y/Q5Jg'),
      decodeChecksum('CRC32', 'cbf43926'),
      decodeChecksum('CRC64NVME', 'y/Q5Jg=='),
      decodeChecksum('MD5', ''),
    ];

    // Assess
    expect(results.map((bytes) => bytes?.toString('hex'))).toEqual([
      'cbf43926',
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
