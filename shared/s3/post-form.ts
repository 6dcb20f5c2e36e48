/**
 * The multipart/form-data body of a POST Object (a browser form upload), read as S3 reads it: the
 * fields before the part named `file`, that part's bytes and file name; parts after it are ignored.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
 */
import busboy from 'busboy';
import { S3Error } from './errors.js';

/** One form field, as the form sent it. */
export interface PostFormField {
  /** The field name as sent (`X-Amz-Credential`); S3 compares names case-insensitively. */
  name: string;
  value: string;
}

export interface PostForm {
  /** The fields before the file, in form order. */
  fields: PostFormField[];
  /** The `file` part: its bytes and the file name the client gave (undefined when it gave none). */
  file?: { bytes: Buffer; filename: string | undefined };
  /** How many parts are named `file` (S3 takes exactly one). */
  fileParts: number;
}

/** S3's limit on the form before the file: "cannot exceed 20KB". */
export const MAX_POST_PRE_DATA_BYTES = 20 * 1024;

interface Part {
  name: string;
  bytes: Buffer;
  filename: string | undefined;
}

/**
 * Parses a POST Object body. Field values are UTF-8, as S3 requires of the form.
 *
 * @param contentType the request's Content-Type
 * @param body the whole request body
 * @throws S3Error PreconditionFailed (412, "Bucket POST must be of the enclosure-type
 *   multipart/form-data", as S3 answers any other Content-Type); MalformedPOSTRequest for a body
 *   that is not well-formed multipart/form-data (no boundary, broken framing, truncated);
 *   MaxPostPreDataLengthExceededError for fields before the file over 20 KB (names and values)
 */
export async function parsePostForm(contentType: string | undefined, body: Buffer): Promise<PostForm> {
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType ?? '')) {
    throw new S3Error('PreconditionFailed', {
      detail: { Condition: 'Bucket POST must be of the enclosure-type multipart/form-data' },
    });
  }
  const parts = await readParts(contentType as string, body);
  const fields: PostFormField[] = [];
  let file: PostForm['file'];
  let fileParts = 0;
  let preDataBytes = 0;
  for (const part of parts) {
    if (part.name.toLowerCase() === 'file') {
      fileParts += 1;
      file ??= { bytes: part.bytes, filename: part.filename };
    } else if (file === undefined) {
      // S3 ignores everything after the file: "Any fields below it are ignored."
      fields.push({ name: part.name, value: part.bytes.toString('utf8') });
      preDataBytes += Buffer.byteLength(part.name) + part.bytes.length;
    }
  }
  if (preDataBytes > MAX_POST_PRE_DATA_BYTES) {
    throw new S3Error('MaxPostPreDataLengthExceededError', {
      detail: { MaxPostPreDataLengthBytes: String(MAX_POST_PRE_DATA_BYTES) },
    });
  }
  return { fields, fileParts, ...(file === undefined ? {} : { file }) };
}

function readParts(contentType: string, body: Buffer): Promise<Part[]> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      defParamCharset: 'utf8',
      // The whole body is in memory already (bounded by the gateway); a field is never cut short.
      limits: { fieldSize: Number.POSITIVE_INFINITY, fieldNameSize: 1024 },
    });
  } catch (error) {
    return Promise.reject(malformed(error));
  }
  return new Promise<Part[]>((resolve, reject) => {
    const parts: Part[] = [];
    const pending: Promise<void>[] = [];
    parser.on('field', (name, value) => {
      parts.push({ name, bytes: Buffer.from(value, 'utf8'), filename: undefined });
    });
    parser.on('file', (name, stream, info) => {
      const part: Part = { name, bytes: Buffer.alloc(0), filename: info.filename };
      parts.push(part);
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      pending.push(
        new Promise<void>((done) => {
          stream.on('end', () => {
            part.bytes = Buffer.concat(chunks);
            done();
          });
        }),
      );
    });
    parser.on('error', (error: unknown) => reject(malformed(error)));
    parser.on('close', () => {
      void Promise.all(pending).then(() => resolve(parts));
    });
    parser.end(body);
  });
}

function malformed(cause: unknown): S3Error {
  return new S3Error('MalformedPOSTRequest', { cause });
}
