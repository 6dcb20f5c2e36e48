import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { checksumBase64 } from '../../../../shared/s3/checksums.js';
import {
  isAwsChunkedRequest,
  readUploadBody,
  storedContentEncoding,
} from '../../../../shared/s3/upload-body.js';
import { s3ErrorOf } from './s3-error.js';

const DATA = Buffer.from('123456789');
const MD5_HEX = '25f9e794323b453885f5181f1b624d0b';
const MD5_BASE64 = 'JfnnlDI7RTiF9RgfG2JNCw==';
const SHA256_HEX = '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225';
const CRC32 = 'y/Q5Jg==';
const SIGNATURE = 'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648';

/** An aws-chunked body of DATA in two chunks, unsigned, with the given trailer lines. */
function unsignedChunked(trailers: string[]): Buffer {
  return Buffer.from(`4\r\n1234\r\n5\r\n56789\r\n0\r\n${trailers.map((line) => `${line}\r\n`).join('')}\r\n`);
}

const UNSIGNED_TRAILER_HEADERS = {
  'content-encoding': 'aws-chunked',
  'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'x-amz-decoded-content-length': '9',
  'x-amz-trailer': 'x-amz-checksum-crc32',
  'x-amz-sdk-checksum-algorithm': 'CRC32',
};

describe('readUploadBody', () => {
  describe('a plain body', () => {
    it('returns the body and its MD5, and no checksum when none was asked for', () => {
      // Act
      const result = readUploadBody({}, DATA);

      // Assess
      expect(result).toEqual({ body: DATA, md5Hex: MD5_HEX });
    });

    it('accepts a matching Content-MD5', () => {
      expect(readUploadBody({ 'content-md5': MD5_BASE64 }, DATA).md5Hex).toBe(MD5_HEX);
    });

    it('answers a Content-MD5 of other content with BadDigest and both digests', () => {
      // Act
      const error = s3ErrorOf(() => readUploadBody({ 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' }, DATA));

      // Assess
      expect([error.code, error.message, error.detail]).toEqual([
        'BadDigest',
        'The Content-MD5 you specified did not match what we received.',
        { ExpectedDigest: '1B2M2Y8AsgTpgAmY7PhCfg==', CalculatedDigest: MD5_BASE64 },
      ]);
    });

    it.each([
      ['not base64', 'not base64!'],
      ['11 bytes', 'YWJyYWNhZGFicmE='],
      ['hexadecimal', MD5_HEX],
      ['empty', ''],
    ])('answers a Content-MD5 that is %s with InvalidDigest', (_name, value) => {
      // Act
      const error = s3ErrorOf(() => readUploadBody({ 'content-md5': value }, DATA));

      // Assess
      expect([error.code, error.detail]).toEqual(['InvalidDigest', { 'Content-MD5': value }]);
    });

    it('verifies a hex x-amz-content-sha256', () => {
      expect(readUploadBody({ 'x-amz-content-sha256': SHA256_HEX.toUpperCase() }, DATA).body).toEqual(DATA);
    });

    it('answers a hex x-amz-content-sha256 of other content with XAmzContentSHA256Mismatch', () => {
      // Prepare
      const other = createHash('sha256').update('987654321').digest('hex');

      // Act
      const error = s3ErrorOf(() => readUploadBody({ 'x-amz-content-sha256': other }, DATA));

      // Assess
      expect([error.code, error.detail]).toEqual([
        'XAmzContentSHA256Mismatch',
        { ClientComputedContentSHA256: other, S3ComputedContentSHA256: SHA256_HEX },
      ]);
    });

    it('does not verify UNSIGNED-PAYLOAD', () => {
      expect(readUploadBody({ 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, DATA).body).toEqual(DATA);
    });

    it('answers an x-amz-content-sha256 that is neither a digest nor a known value with InvalidArgument', () => {
      expect(s3ErrorOf(() => readUploadBody({ 'x-amz-content-sha256': 'abc' }, DATA)).code).toBe(
        'InvalidArgument',
      );
    });
  });

  describe('checksum headers', () => {
    it('verifies and returns an x-amz-checksum-* header as a full-object checksum', () => {
      // Act
      const result = readUploadBody(
        { 'x-amz-checksum-crc32': CRC32, 'x-amz-sdk-checksum-algorithm': 'CRC32' },
        DATA,
      );

      // Assess
      expect(result.checksum).toEqual({ algorithm: 'CRC32', value: CRC32, type: 'FULL_OBJECT' });
    });

    it.each(['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const)(
      'answers a %s of other content with BadDigest in S3 words',
      (algorithm) => {
        // Prepare
        const wrong = checksumBase64(algorithm, Buffer.from('987654321'));

        // Act
        const error = s3ErrorOf(() =>
          readUploadBody({ [`x-amz-checksum-${algorithm.toLowerCase()}`]: wrong }, DATA),
        );

        // Assess
        expect([error.code, error.message]).toEqual([
          'BadDigest',
          `The ${algorithm} you specified did not match the calculated checksum.`,
        ]);
      },
    );

    it.each([
      ['hex', 'cbf43926'],
      ['unpadded', 'y/Q5Jg'],
      ['of the wrong length', 'AAAAAAAAAAA='],
    ])('answers a checksum value that is %s with InvalidRequest naming the header', (_name, value) => {
      // Act
      const error = s3ErrorOf(() => readUploadBody({ 'x-amz-checksum-crc32': value }, DATA));

      // Assess
      expect([error.code, error.message]).toEqual([
        'InvalidRequest',
        'Value for x-amz-checksum-crc32 header is invalid.',
      ]);
    });

    it('answers two checksum headers with InvalidRequest', () => {
      // Prepare
      const headers = { 'x-amz-checksum-crc32': CRC32, 'x-amz-checksum-crc32c': '4waSgw==' };

      // Act
      const error = s3ErrorOf(() => readUploadBody(headers, DATA));

      // Assess
      expect([error.code, error.message]).toEqual([
        'InvalidRequest',
        'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
      ]);
    });

    it('answers a checksum header of an unknown algorithm with InvalidRequest', () => {
      expect(s3ErrorOf(() => readUploadBody({ 'x-amz-checksum-md4': CRC32 }, DATA)).code).toBe(
        'InvalidRequest',
      );
    });

    it('answers an SDK algorithm that disagrees with the checksum sent with InvalidRequest', () => {
      // Prepare
      const headers = { 'x-amz-checksum-crc32': CRC32, 'x-amz-sdk-checksum-algorithm': 'SHA256' };

      // Act
      const error = s3ErrorOf(() => readUploadBody(headers, DATA));

      // Assess
      expect(error.message).toBe('Value for x-amz-sdk-checksum-algorithm header is invalid.');
    });

    it('answers an SDK algorithm S3 does not know with InvalidRequest', () => {
      // Act
      const error = s3ErrorOf(() => readUploadBody({ 'x-amz-sdk-checksum-algorithm': 'MD4' }, DATA));

      // Assess
      expect([error.code, error.message]).toEqual([
        'InvalidRequest',
        'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]',
      ]);
    });

    it('answers an SDK algorithm with no checksum anywhere with InvalidRequest, as S3 does', () => {
      // Act
      const error = s3ErrorOf(() => readUploadBody({ 'x-amz-sdk-checksum-algorithm': 'CRC32' }, DATA));

      // Assess
      expect(error.message).toBe(
        'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.',
      );
    });

    it('computes the algorithm named by x-amz-checksum-algorithm when no value is given', () => {
      // Act
      const result = readUploadBody({ 'x-amz-checksum-algorithm': 'crc64nvme' }, DATA);

      // Assess
      expect(result.checksum).toEqual({
        algorithm: 'CRC64NVME',
        value: Buffer.from('ae8b14860a799888', 'hex').toString('base64'),
        type: 'FULL_OBJECT',
      });
    });
  });

  describe('an aws-chunked body', () => {
    it('decodes the unsigned trailer form and verifies the trailing checksum', () => {
      // Act
      const result = readUploadBody(
        UNSIGNED_TRAILER_HEADERS,
        unsignedChunked([`x-amz-checksum-crc32:${CRC32}`]),
      );

      // Assess
      expect(result).toEqual({
        body: DATA,
        md5Hex: MD5_HEX,
        checksum: { algorithm: 'CRC32', value: CRC32, type: 'FULL_OBJECT' },
      });
    });

    it('decodes the signed form without checking signatures, and Content-MD5 applies to the payload', () => {
      // Prepare
      const headers = {
        'content-encoding': 'aws-chunked',
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'x-amz-decoded-content-length': '9',
        'content-md5': MD5_BASE64,
      };
      const raw = Buffer.from(
        `9;chunk-signature=${SIGNATURE}\r\n123456789\r\n0;chunk-signature=${SIGNATURE}\r\n\r\n`,
      );

      // Act
      const result = readUploadBody(headers, raw);

      // Assess
      expect(result).toEqual({ body: DATA, md5Hex: MD5_HEX });
    });

    it('decodes the signed trailer form, trailer signature included', () => {
      // Prepare
      const headers = {
        ...UNSIGNED_TRAILER_HEADERS,
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
        'x-amz-trailer': 'x-amz-checksum-crc32c',
        'x-amz-sdk-checksum-algorithm': 'CRC32C',
      };
      const raw = Buffer.from(
        `9;chunk-signature=${SIGNATURE}\r\n123456789\r\n0;chunk-signature=${SIGNATURE}\r\n` +
          `x-amz-checksum-crc32c:4waSgw==\r\nx-amz-trailer-signature:${SIGNATURE}\r\n\r\n`,
      );

      // Act
      const result = readUploadBody(headers, raw);

      // Assess
      expect(result.checksum).toEqual({ algorithm: 'CRC32C', value: '4waSgw==', type: 'FULL_OBJECT' });
    });

    it('decodes by x-amz-content-sha256 alone, without Content-Encoding', () => {
      // Prepare
      const { 'content-encoding': _dropped, ...headers } = UNSIGNED_TRAILER_HEADERS;

      // Act
      const result = readUploadBody(headers, unsignedChunked([`x-amz-checksum-crc32:${CRC32}`]));

      // Assess
      expect(result.body).toEqual(DATA);
    });

    it('answers a trailing checksum of other content with BadDigest', () => {
      // Prepare
      const wrong = checksumBase64('CRC32', Buffer.from('987654321'));

      // Act
      const error = s3ErrorOf(() =>
        readUploadBody(UNSIGNED_TRAILER_HEADERS, unsignedChunked([`x-amz-checksum-crc32:${wrong}`])),
      );

      // Assess
      expect([error.code, error.message]).toEqual([
        'BadDigest',
        'The CRC32 you specified did not match the calculated checksum.',
      ]);
    });

    it('answers a malformed trailing checksum with InvalidRequest naming the trailing header', () => {
      // Act
      const error = s3ErrorOf(() =>
        readUploadBody(UNSIGNED_TRAILER_HEADERS, unsignedChunked(['x-amz-checksum-crc32:y/Q5Jg'])),
      );

      // Assess
      expect([error.code, error.message]).toEqual([
        'InvalidRequest',
        'Value for x-amz-checksum-crc32 trailing header is invalid.',
      ]);
    });

    it('answers a declared trailer that never comes with MalformedTrailerError', () => {
      expect(s3ErrorOf(() => readUploadBody(UNSIGNED_TRAILER_HEADERS, unsignedChunked([]))).code).toBe(
        'MalformedTrailerError',
      );
    });

    it('answers a checksum header and a checksum trailer together with InvalidRequest', () => {
      // Prepare
      const headers = { ...UNSIGNED_TRAILER_HEADERS, 'x-amz-checksum-crc32c': '4waSgw==' };

      // Act
      const error = s3ErrorOf(() =>
        readUploadBody(headers, unsignedChunked([`x-amz-checksum-crc32:${CRC32}`])),
      );

      // Assess
      expect(error.message).toBe(
        'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
      );
    });

    it.each(['10', '8'])('answers a decoded length of %s for 9 bytes with IncompleteBody', (length) => {
      // Prepare
      const headers = { ...UNSIGNED_TRAILER_HEADERS, 'x-amz-decoded-content-length': length };

      // Act
      const error = s3ErrorOf(() =>
        readUploadBody(headers, unsignedChunked([`x-amz-checksum-crc32:${CRC32}`])),
      );

      // Assess
      expect(error.code).toBe('IncompleteBody');
    });

    it('answers a missing decoded length with MissingContentLength', () => {
      // Prepare
      const { 'x-amz-decoded-content-length': _dropped, ...headers } = UNSIGNED_TRAILER_HEADERS;

      // Act
      const error = s3ErrorOf(() =>
        readUploadBody(headers, unsignedChunked([`x-amz-checksum-crc32:${CRC32}`])),
      );

      // Assess
      expect(error.code).toBe('MissingContentLength');
    });

    it('answers a truncated body with IncompleteBody', () => {
      // Prepare
      const raw = unsignedChunked([`x-amz-checksum-crc32:${CRC32}`]).subarray(0, 12);

      // Act
      const error = s3ErrorOf(() => readUploadBody(UNSIGNED_TRAILER_HEADERS, raw));

      // Assess
      expect(error.code).toBe('IncompleteBody');
    });
  });
});

describe('isAwsChunkedRequest', () => {
  it.each([
    [{ 'x-amz-content-sha256': 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD' }, true],
    [{ 'content-encoding': 'gzip, aws-chunked' }, true],
    [{ 'content-encoding': 'aws-chunked', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, false],
    [{ 'content-encoding': 'gzip' }, false],
  ])('reads %j as %s', (headers, expected) => {
    expect(isAwsChunkedRequest(headers)).toBe(expected);
  });
});

describe('storedContentEncoding', () => {
  it.each([
    ['aws-chunked', undefined],
    ['aws-chunked,gzip', 'gzip'],
    ['gzip, aws-chunked', 'gzip'],
    ['aws-chunked, aws-chunked', undefined],
    ['deflate, gzip', 'deflate, gzip'],
    ['gzip,aws-chunked,br', 'gzip,br'],
    ['aws-chunked, gzip, br', 'gzip, br'],
    ['gzip,br', 'gzip,br'],
    [undefined, undefined],
  ])('stores %j as %j', (sent, stored) => {
    expect(storedContentEncoding(sent)).toBe(stored);
  });
});
