/**
 * The streaming counterpart of `decodeAwsChunked` (aws-chunked.ts, whose header and trailer parsing
 * it shares): a Transform that passes chunk data on as it arrives and keeps the trailers for the
 * end. Errors are those of the buffered decoder, raised at the byte where the framing goes wrong.
 */
import { Transform, type TransformCallback } from 'node:stream';
import {
  bodyTerminatedUnexpectedly,
  chunkSizeOf,
  MAX_HEADER_LINE,
  malformed,
  readTrailers,
} from './aws-chunked.js';
import { S3Error } from './errors.js';

const CR = 0x0d;
const LF = 0x0a;
/** Trailers are a few checksum headers; more than this is no trailer section S3 would take. */
const MAX_TRAILER_BYTES = 16 * 1024;

type State = 'header' | 'data' | 'data-end' | 'trailers';

/** Decodes aws-chunked framing as the bytes flow; `trailers()` is complete once the stream ended. */
export class AwsChunkedDecoder extends Transform {
  private state: State = 'header';
  /** Bytes of the current header line, or of the trailer section. */
  private pending: Buffer = Buffer.alloc(0);
  /** Data bytes of the current chunk still to pass on, or CRLF bytes still expected. */
  private remaining = 0;
  private decodedTrailers: Record<string, string> = {};

  trailers(): Record<string, string> {
    return this.decodedTrailers;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.decode(chunk);
      callback();
    } catch (error) {
      callback(error as S3Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.state !== 'trailers') {
      callback(bodyTerminatedUnexpectedly());
      return;
    }
    try {
      this.decodedTrailers = readTrailers(this.pending, 0);
      callback();
    } catch (error) {
      callback(error as S3Error);
    }
  }

  private decode(chunk: Buffer): void {
    let position = 0;
    while (position < chunk.length) {
      switch (this.state) {
        case 'header': {
          const lineEnd = this.lineEndIn(chunk, position);
          if (lineEnd === -1) return;
          position = lineEnd;
          break;
        }
        case 'data': {
          const take = Math.min(this.remaining, chunk.length - position);
          this.push(chunk.subarray(position, position + take));
          position += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            this.state = 'data-end';
            this.remaining = 2;
          }
          break;
        }
        case 'data-end': {
          const expected = this.remaining === 2 ? CR : LF;
          if (chunk[position] !== expected) throw malformed('chunk data is not followed by CRLF');
          position += 1;
          this.remaining -= 1;
          if (this.remaining === 0) this.state = 'header';
          break;
        }
        case 'trailers': {
          this.pending = Buffer.concat([this.pending, chunk.subarray(position)]);
          if (this.pending.length > MAX_TRAILER_BYTES) throw new S3Error('MalformedTrailerError');
          return;
        }
      }
    }
  }

  /**
   * Takes header-line bytes from `chunk` at `position`: the index just past the line's CRLF once
   * the line is whole (and the state moved on), else -1 with the partial line kept.
   */
  private lineEndIn(chunk: Buffer, position: number): number {
    // A CR ending the kept part and an LF starting this chunk end the line too.
    const splitCrlf =
      this.pending.length > 0 && this.pending[this.pending.length - 1] === CR && chunk[position] === LF;
    let line: Buffer;
    let next: number;
    if (splitCrlf) {
      line = this.pending.subarray(0, this.pending.length - 1);
      next = position + 1;
    } else {
      const crlf = chunk.indexOf('\r\n', position, 'latin1');
      if (crlf === -1) {
        this.pending = Buffer.concat([this.pending, chunk.subarray(position)]);
        if (this.pending.length > MAX_HEADER_LINE) throw malformed('chunk header line too long');
        return -1;
      }
      line = Buffer.concat([this.pending, chunk.subarray(position, crlf)]);
      next = crlf + 2;
    }
    if (line.length > MAX_HEADER_LINE) throw malformed('chunk header line too long');
    this.pending = Buffer.alloc(0);
    const size = chunkSizeOf(line.toString('latin1'));
    if (size === 0) this.state = 'trailers';
    else {
      this.state = 'data';
      this.remaining = size;
    }
    return next;
  }
}
