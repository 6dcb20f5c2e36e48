/**
 * Decoder for `aws-chunked` request bodies (SigV4 streaming, signed or not, with or without
 * trailers): https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
 *
 *   <hex-size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
 *   [<trailer-name>:<value>\r\n ...]\r\n
 *
 * Signatures are accepted and never verified. Errors follow what S3 answers:
 * - the body ends before the framing says it should (a chunk longer than what is left, no final
 *   chunk, a header line cut off): IncompleteBody, "The request body terminated unexpectedly" —
 *   S3's answer to a truncated stream;
 * - chunk framing that can never be valid (a size that is not hex, data not followed by CRLF):
 *   InvalidRequest with a message naming the fault — S3 has no code dedicated to broken chunk
 *   framing and answers a malformed request with InvalidRequest;
 * - a trailer line that is not `name:value`: MalformedTrailerError, S3's code for bad trailers.
 * Lenient where S3 is: the CRLF that ends the trailer section may be missing.
 */
import { S3Error } from './errors.js';

export interface AwsChunkedBody {
  body: Buffer;
  /** Trailer headers, names lower-cased, values trimmed (e.g. `x-amz-checksum-crc32`). */
  trailers: Record<string, string>;
}

const CR = 0x0d;
const LF = 0x0a;
const HEX_SIZE = /^[0-9a-fA-F]{1,16}$/;
/** The longest chunk header we read: size, `;chunk-signature=` and 64 hex digits, with room. */
export const MAX_HEADER_LINE = 4096;

/** IncompleteBody as S3 words it for a stream that stops early. */
export function bodyTerminatedUnexpectedly(): S3Error {
  return new S3Error('IncompleteBody', { message: 'The request body terminated unexpectedly' });
}

/** InvalidRequest naming what is wrong with the chunk framing. */
export function malformed(detail: string): S3Error {
  return new S3Error('InvalidRequest', { message: `Malformed aws-chunked body: ${detail}` });
}

/**
 * Decodes an `aws-chunked` body into its payload and trailers. The payload is assembled with one
 * `Buffer.concat` of slices of `raw`, so large bodies cost one copy and no per-byte JS work.
 */
export function decodeAwsChunked(raw: Buffer): AwsChunkedBody {
  const chunks: Buffer[] = [];
  let total = 0;
  let position = 0;
  for (;;) {
    const lineEnd = findLineEnd(raw, position);
    const size = chunkSizeOf(raw.toString('latin1', position, lineEnd));
    const dataStart = lineEnd + 2;
    if (size === 0) {
      return { body: Buffer.concat(chunks, total), trailers: readTrailers(raw, dataStart) };
    }
    const dataEnd = dataStart + size;
    if (dataEnd + 2 > raw.length) throw bodyTerminatedUnexpectedly();
    if (raw[dataEnd] !== CR || raw[dataEnd + 1] !== LF) throw malformed('chunk data is not followed by CRLF');
    chunks.push(raw.subarray(dataStart, dataEnd));
    total += size;
    position = dataEnd + 2;
  }
}

/** The data size a chunk header line (`<hex-size>[;chunk-signature=<sig>]`) announces. */
export function chunkSizeOf(line: string): number {
  const semicolon = line.indexOf(';');
  const sizeText = (semicolon === -1 ? line : line.slice(0, semicolon)).trim();
  if (!HEX_SIZE.test(sizeText)) throw malformed(`invalid chunk size "${sizeText.slice(0, 32)}"`);
  return Number.parseInt(sizeText, 16);
}

/** Index of the CRLF that ends the line starting at `start`; throws when there is none. */
function findLineEnd(raw: Buffer, start: number): number {
  const end = raw.indexOf('\r\n', start, 'latin1');
  if (end === -1) {
    if (raw.length - start > MAX_HEADER_LINE) throw malformed('chunk header line too long');
    throw bodyTerminatedUnexpectedly();
  }
  if (end - start > MAX_HEADER_LINE) throw malformed('chunk header line too long');
  return end;
}

/** The trailer section that follows the final chunk, from `start` to the end of `raw`. */
export function readTrailers(raw: Buffer, start: number): Record<string, string> {
  const trailers: Record<string, string> = {};
  let position = start;
  while (position < raw.length) {
    let lineEnd = raw.indexOf('\r\n', position, 'latin1');
    // The last trailer line may come without its CRLF, as may the empty line that ends them.
    if (lineEnd === -1) lineEnd = raw.length;
    if (lineEnd === position) break;
    const line = raw.toString('latin1', position, lineEnd);
    const colon = line.indexOf(':');
    if (colon <= 0) throw new S3Error('MalformedTrailerError');
    trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    position = lineEnd + 2;
  }
  return trailers;
}
