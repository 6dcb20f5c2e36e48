import { describe, expect, it } from '@jest/globals';
import { decodeAwsChunked } from '../../../../shared/s3/aws-chunked.js';
import { s3ErrorOf } from './s3-error.js';

const SIGNATURE = 'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648';

describe('decodeAwsChunked', () => {
  it('decodes the signed form (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)', () => {
    // Prepare: two chunks then the final one, each with its chunk-signature, no trailers.
    const raw = Buffer.from(
      `5;chunk-signature=${SIGNATURE}\r\nhello\r\n` +
        `6;chunk-signature=${SIGNATURE}\r\n world\r\n` +
        `0;chunk-signature=${SIGNATURE}\r\n\r\n`,
      'latin1',
    );

    // Act
    const decoded = decodeAwsChunked(raw);

    // Assess
    expect(decoded).toEqual({ body: Buffer.from('hello world'), trailers: {} });
  });

  it('decodes the unsigned form with a checksum trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER)', () => {
    // Prepare
    const raw = Buffer.from('9\r\n123456789\r\n0\r\nx-amz-checksum-crc32:y/Q5Jg==\r\n\r\n', 'latin1');

    // Act
    const decoded = decodeAwsChunked(raw);

    // Assess
    expect(decoded).toEqual({
      body: Buffer.from('123456789'),
      trailers: { 'x-amz-checksum-crc32': 'y/Q5Jg==' },
    });
  });

  it('decodes the signed form with a trailer and its signature (…-PAYLOAD-TRAILER)', () => {
    // Prepare
    const raw = Buffer.from(
      `9;chunk-signature=${SIGNATURE}\r\n123456789\r\n` +
        `0;chunk-signature=${SIGNATURE}\r\n` +
        'x-amz-checksum-crc32c:4waSgw==\r\n' +
        `x-amz-trailer-signature:${SIGNATURE}\r\n\r\n`,
      'latin1',
    );

    // Act
    const decoded = decodeAwsChunked(raw);

    // Assess
    expect(decoded.body.toString()).toBe('123456789');
    expect(decoded.trailers).toEqual({
      'x-amz-checksum-crc32c': '4waSgw==',
      'x-amz-trailer-signature': SIGNATURE,
    });
  });

  it('keeps binary data with CR and LF inside a chunk intact', () => {
    // Prepare
    const data = Buffer.from([0x0d, 0x0a, 0x30, 0x0d, 0x0a, 0xff, 0x00]);
    const raw = Buffer.concat([Buffer.from('7\r\n'), data, Buffer.from('\r\n0\r\n\r\n')]);

    // Act
    const decoded = decodeAwsChunked(raw);

    // Assess
    expect(decoded.body).toEqual(data);
  });

  it('reads upper-case hex sizes', () => {
    // Prepare
    const data = Buffer.alloc(0x1a, 'z');
    const raw = Buffer.concat([Buffer.from('1A\r\n'), data, Buffer.from('\r\n0\r\n\r\n')]);

    // Act
    const decoded = decodeAwsChunked(raw);

    // Assess
    expect(decoded.body).toEqual(data);
  });

  it('decodes an empty payload', () => {
    expect(decodeAwsChunked(Buffer.from(`0;chunk-signature=${SIGNATURE}\r\n\r\n`))).toEqual({
      body: Buffer.alloc(0),
      trailers: {},
    });
  });

  it('accepts trailers without the final CRLF, as S3 does', () => {
    // Prepare
    const raw = Buffer.from('3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n', 'latin1');

    // Act
    const decoded = decodeAwsChunked(raw);

    // Assess
    expect(decoded.trailers).toEqual({ 'x-amz-checksum-crc32': 'NSRBwg==' });
  });

  it('accepts a last trailer line without its CRLF and lower-cases trailer names', () => {
    // Prepare
    const raw = Buffer.from('3\r\nabc\r\n0\r\nX-Amz-Checksum-CRC32: NSRBwg==', 'latin1');

    // Act
    const decoded = decodeAwsChunked(raw);

    // Assess
    expect(decoded.trailers).toEqual({ 'x-amz-checksum-crc32': 'NSRBwg==' });
  });

  it('decodes 64 MiB of 64 KiB chunks into one body', () => {
    // Prepare
    const chunk = Buffer.alloc(65_536, 'q');
    const header = Buffer.from(`10000;chunk-signature=${SIGNATURE}\r\n`);
    const crlf = Buffer.from('\r\n');
    const pieces: Buffer[] = [];
    for (let i = 0; i < 1024; i++) pieces.push(header, chunk, crlf);
    pieces.push(Buffer.from(`0;chunk-signature=${SIGNATURE}\r\n\r\n`));
    const raw = Buffer.concat(pieces);

    // Act
    const decoded = decodeAwsChunked(raw);

    // Assess
    expect(decoded.body.length).toBe(64 * 1024 * 1024);
    expect(decoded.body.subarray(65_530, 65_542).toString()).toBe('qqqqqqqqqqqq');
    expect(decoded.body.subarray(-4).toString()).toBe('qqqq');
  });

  describe('rejects', () => {
    it('a chunk larger than what is left with IncompleteBody', () => {
      // Act
      const error = s3ErrorOf(() => decodeAwsChunked(Buffer.from('ff\r\nshort\r\n0\r\n\r\n')));

      // Assess
      expect([error.code, error.message]).toEqual([
        'IncompleteBody',
        'The request body terminated unexpectedly',
      ]);
    });

    it('a body that ends before the final chunk with IncompleteBody', () => {
      expect(s3ErrorOf(() => decodeAwsChunked(Buffer.from('3\r\nabc\r\n'))).code).toBe('IncompleteBody');
    });

    it('a chunk header cut off before its CRLF with IncompleteBody', () => {
      expect(s3ErrorOf(() => decodeAwsChunked(Buffer.from('3;chunk-sig'))).code).toBe('IncompleteBody');
    });

    it('an empty body with IncompleteBody', () => {
      expect(s3ErrorOf(() => decodeAwsChunked(Buffer.alloc(0))).code).toBe('IncompleteBody');
    });

    it('a size that is not hex with InvalidRequest', () => {
      expect(s3ErrorOf(() => decodeAwsChunked(Buffer.from('xyz\r\nabc\r\n0\r\n\r\n'))).code).toBe(
        'InvalidRequest',
      );
    });

    it('an empty size with InvalidRequest', () => {
      expect(s3ErrorOf(() => decodeAwsChunked(Buffer.from(`;chunk-signature=${SIGNATURE}\r\n`))).code).toBe(
        'InvalidRequest',
      );
    });

    it('chunk data not followed by CRLF with InvalidRequest', () => {
      expect(s3ErrorOf(() => decodeAwsChunked(Buffer.from('3\r\nabcd\r\n0\r\n\r\n'))).code).toBe(
        'InvalidRequest',
      );
    });

    it('a chunk header line longer than any real one with InvalidRequest', () => {
      expect(s3ErrorOf(() => decodeAwsChunked(Buffer.from(`3;${'x'.repeat(5000)}`))).code).toBe(
        'InvalidRequest',
      );
    });

    it('a trailer line without a name with MalformedTrailerError', () => {
      expect(
        s3ErrorOf(() => decodeAwsChunked(Buffer.from('3\r\nabc\r\n0\r\nnot-a-trailer\r\n\r\n'))).code,
      ).toBe('MalformedTrailerError');
    });
  });
});
