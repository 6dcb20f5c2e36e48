import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../../../../shared/s3/errors.js';
import { readUploadBody } from '../../../../shared/s3/upload-body.js';
import { openUploadStream } from '../../../../shared/s3/upload-stream.js';

const DATA = Buffer.from('123456789');
const CRC32 = 'y/Q5Jg==';
const SHA256_HEX = createHash('sha256').update(DATA).digest('hex');
const MD5_BASE64 = createHash('md5').update(DATA).digest('base64');

function unsignedChunked(trailers: string[]): Buffer {
  return Buffer.from(`4\r\n1234\r\n5\r\n56789\r\n0\r\n${trailers.map((line) => `${line}\r\n`).join('')}\r\n`);
}

const TRAILER_HEADERS = {
  'content-encoding': 'aws-chunked',
  'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'x-amz-decoded-content-length': '9',
  'x-amz-trailer': 'x-amz-checksum-crc32',
  'x-amz-sdk-checksum-algorithm': 'CRC32',
};

type Outcome = { body: Buffer; md5Hex: string; checksum?: unknown } | { code: string; message: string };

function buffered(headers: Record<string, string>, raw: Buffer): Outcome {
  try {
    return readUploadBody(headers, raw);
  } catch (error) {
    if (!(error instanceof S3Error)) throw error;
    return { code: error.code, message: error.message };
  }
}

/** Streams `raw` (in 2-byte pieces) through openUploadStream, reading the payload as a writer would. */
async function streamed(headers: Record<string, string>, raw: Buffer): Promise<Outcome> {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < raw.length; offset += 2) pieces.push(raw.subarray(offset, offset + 2));
  try {
    const upload = openUploadStream(headers, { size: raw.length, stream: Readable.from(pieces) });
    const out: Buffer[] = [];
    for await (const chunk of upload.source.stream) out.push(chunk as Buffer);
    expect(Buffer.concat(out).length).toBe(upload.source.size);
    return { body: Buffer.concat(out), ...upload.verified() };
  } catch (error) {
    if (!(error instanceof S3Error)) throw error;
    return { code: error.code, message: error.message };
  }
}

const CASES: Record<string, [Record<string, string>, Buffer]> = {
  'a plain body': [{}, DATA],
  'a matching Content-MD5': [{ 'content-md5': MD5_BASE64 }, DATA],
  'a Content-MD5 of other content': [{ 'content-md5': createHash('md5').update('x').digest('base64') }, DATA],
  'a matching hex x-amz-content-sha256': [{ 'x-amz-content-sha256': SHA256_HEX }, DATA],
  'a hex x-amz-content-sha256 of other content': [{ 'x-amz-content-sha256': 'a'.repeat(64) }, DATA],
  'a checksum header': [{ 'x-amz-checksum-crc32': CRC32 }, DATA],
  'a wrong checksum header': [{ 'x-amz-checksum-crc32': 'AAAAAA==' }, DATA],
  'a SHA256 checksum and a hex content SHA-256': [
    {
      'x-amz-checksum-sha256': createHash('sha256').update(DATA).digest('base64'),
      'x-amz-content-sha256': SHA256_HEX,
    },
    DATA,
  ],
  'x-amz-checksum-algorithm alone': [{ 'x-amz-checksum-algorithm': 'CRC64NVME' }, DATA],
  'the SDK trailer form': [TRAILER_HEADERS, unsignedChunked([`x-amz-checksum-crc32:${CRC32}`])],
  'a wrong trailing checksum': [TRAILER_HEADERS, unsignedChunked(['x-amz-checksum-crc32:AAAAAA=='])],
  'a declared trailer that never comes': [TRAILER_HEADERS, unsignedChunked([])],
  'a decoded length larger than the payload': [
    { ...TRAILER_HEADERS, 'x-amz-decoded-content-length': '10' },
    unsignedChunked([`x-amz-checksum-crc32:${CRC32}`]),
  ],
  'a decoded length smaller than the payload': [
    { ...TRAILER_HEADERS, 'x-amz-decoded-content-length': '8' },
    unsignedChunked([`x-amz-checksum-crc32:${CRC32}`]),
  ],
  'aws-chunked without a decoded length': [
    { 'content-encoding': 'aws-chunked', 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' },
    unsignedChunked([]),
  ],
  'framing cut off': [TRAILER_HEADERS, Buffer.from('4\r\n1234\r\n5\r\n567')],
};

describe('openUploadStream', () => {
  for (const [name, [headers, raw]] of Object.entries(CASES)) {
    it(`answers as readUploadBody does: ${name}`, async () => {
      expect(await streamed(headers, raw)).toEqual(buffered(headers, raw));
    });
  }

  it('computes an extra checksum the client did not send (an upload part of a CRC32C upload)', async () => {
    const upload = openUploadStream({}, { size: DATA.length, stream: Readable.from([DATA]) }, 'CRC32C');
    for await (const _ of upload.source.stream);
    expect(upload.checksumOf('CRC32C')).toBe('4waSgw==');
  });

  it('errors the payload before its end when a check fails, and names the S3 error as the failure', async () => {
    const upload = openUploadStream(
      { 'x-amz-checksum-crc32': 'AAAAAA==' },
      { size: DATA.length, stream: Readable.from([DATA]) },
    );
    let ended = false;
    upload.source.stream.on('end', () => {
      ended = true;
    });
    await expect(async () => {
      for await (const _ of upload.source.stream);
    }).rejects.toMatchObject({ code: 'BadDigest' });
    expect(ended).toBe(false);
    expect(upload.failure()).toMatchObject({ code: 'BadDigest' });
  });
});
