import { Readable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { decodeAwsChunked } from '../../../../shared/s3/aws-chunked.js';
import { AwsChunkedDecoder } from '../../../../shared/s3/aws-chunked-stream.js';
import { S3Error } from '../../../../shared/s3/errors.js';

const SIGNATURE = 'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648';

/** What a decoder made of `raw`: the payload and trailers, or the S3 error code and message. */
type Outcome = { body: Buffer; trailers: Record<string, string> } | { code: string; message: string };

function buffered(raw: Buffer): Outcome {
  try {
    return decodeAwsChunked(raw);
  } catch (error) {
    if (!(error instanceof S3Error)) throw error;
    return { code: error.code, message: error.message };
  }
}

/** Feeds `raw` to the streaming decoder in pieces of `pieceBytes`. */
async function streamed(raw: Buffer, pieceBytes: number): Promise<Outcome> {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < raw.length; offset += pieceBytes)
    pieces.push(raw.subarray(offset, offset + pieceBytes));
  const decoder = new AwsChunkedDecoder();
  Readable.from(pieces).pipe(decoder);
  const out: Buffer[] = [];
  try {
    for await (const chunk of decoder) out.push(chunk as Buffer);
  } catch (error) {
    if (!(error instanceof S3Error)) throw error;
    return { code: error.code, message: error.message };
  }
  return { body: Buffer.concat(out), trailers: decoder.trailers() };
}

const binary = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) % 256));

/** Bodies the buffered decoder takes or refuses, each in a form the SDKs or a broken client send. */
const CASES: Record<string, Buffer> = {
  signed: Buffer.from(
    `5;chunk-signature=${SIGNATURE}\r\nhello\r\n6;chunk-signature=${SIGNATURE}\r\n world\r\n0;chunk-signature=${SIGNATURE}\r\n\r\n`,
    'latin1',
  ),
  'unsigned with a CRC32 trailer': Buffer.from(
    '9\r\n123456789\r\n0\r\nx-amz-checksum-crc32:y/Q5Jg==\r\n\r\n',
  ),
  'signed trailer with its signature': Buffer.from(
    `9;chunk-signature=${SIGNATURE}\r\n123456789\r\n0;chunk-signature=${SIGNATURE}\r\nx-amz-checksum-crc32:y/Q5Jg==\r\nx-amz-trailer-signature:${SIGNATURE}\r\n\r\n`,
  ),
  'binary data with CR and LF inside': Buffer.concat([
    Buffer.from('12c\r\n'),
    binary,
    Buffer.from('\r\n0\r\n\r\n'),
  ]),
  'trailers without the final CRLF': Buffer.from('3\r\nabc\r\n0\r\nx-amz-checksum-crc32:y/Q5Jg=='),
  empty: Buffer.from('0\r\n\r\n'),
  'a chunk longer than what is left': Buffer.from('10\r\nabc\r\n0\r\n\r\n'),
  'no final chunk': Buffer.from('3\r\nabc\r\n'),
  'a header cut off': Buffer.from('3\r\nabc\r\n0'),
  'a size that is not hex': Buffer.from('xyz\r\nabc\r\n0\r\n\r\n'),
  'data not followed by CRLF': Buffer.from('3\r\nabcX\r\n0\r\n\r\n'),
  'a header line too long': Buffer.from(`3;${'x'.repeat(5000)}\r\nabc\r\n0\r\n\r\n`),
  'a trailer without a name': Buffer.from('3\r\nabc\r\n0\r\n:value\r\n\r\n'),
};

describe('AwsChunkedDecoder', () => {
  for (const [name, raw] of Object.entries(CASES)) {
    it(`answers as decodeAwsChunked does, however the bytes are split: ${name}`, async () => {
      // Prepare
      const expected = buffered(raw);

      // Act / Assess: every split, down to one byte at a time, gives the same outcome.
      for (const pieceBytes of [1, 2, 3, 7, 64, raw.length]) {
        expect(await streamed(raw, pieceBytes)).toEqual(expected);
      }
    });
  }
});
