import { describe, expect, it } from '@jest/globals';
import { readCheckedBody } from '../../../../shared/s3/checked-body.js';
import { s3ErrorOf } from './s3-error.js';

const BODY = Buffer.from('123456789');
const MD5_BASE64 = 'JfnnlDI7RTiF9RgfG2JNCw==';
const CRC32 = 'y/Q5Jg==';

describe('readCheckedBody', () => {
  it('refuses a body without Content-MD5 or a checksum with InvalidRequest, as S3 words it', () => {
    // Act
    const error = s3ErrorOf(() => readCheckedBody({ 'x-amz-checksum-algorithm': 'CRC32' }, BODY));

    // Assess
    expect(error.code).toBe('InvalidRequest');
    expect(error.message).toBe('Missing required header for this request: Content-MD5');
  });

  it.each([
    ['Content-MD5', { 'content-md5': MD5_BASE64 }],
    ['x-amz-checksum-crc32', { 'x-amz-checksum-crc32': CRC32 }],
  ])('takes %s alone and returns the body', (_name, headers) => {
    expect(readCheckedBody(headers, BODY)).toEqual(BODY);
  });

  it('takes a checksum trailer of an aws-chunked body and returns the payload', () => {
    // Prepare
    const raw = Buffer.from(`9\r\n123456789\r\n0\r\nx-amz-checksum-crc32:${CRC32}\r\n\r\n`);
    const headers = {
      'content-encoding': 'aws-chunked',
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'x-amz-decoded-content-length': '9',
      'x-amz-trailer': 'x-amz-checksum-crc32',
    };

    // Act / Assess
    expect(readCheckedBody(headers, raw)).toEqual(BODY);
  });

  it('checks the value it is given: a wrong Content-MD5 is BadDigest', () => {
    const error = s3ErrorOf(() => readCheckedBody({ 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' }, BODY));
    expect(error.code).toBe('BadDigest');
  });
});
