import type { BucketRecord, ObjectRecord } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { S3Error } from '../s3/errors.js';
import { mimeEncodedMetadataValue } from '../s3/mime-encoded-word.js';
import { type PostFormField, parsePostForm } from '../s3/post-form.js';
import { checkPostPolicy, parsePostPolicy } from '../s3/post-policy.js';
import { parseTaggingDocument } from '../s3/tagging.js';
import { requireBucket } from './buckets.js';
import { putObject } from './put-object.js';

export interface PostObjectInput {
  bucket: string;
  /** Request headers, names lower-cased. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface PostObjectOutcome {
  object: ObjectRecord;
  /** The bucket as read before the write (its versioning decides the version header). */
  bucket: BucketRecord;
  /** The form fields (before the file), `${filename}` expanded: the answer depends on some. */
  fields: PostFormField[];
}

/** The variable S3 replaces with the uploaded file's name, in every field. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: S3's literal syntax, not a template
const FILENAME_VARIABLE = '${filename}';

/** Form fields that are the upload's own headers under the same names (PutObject's headers). */
const HEADER_FIELDS = new Set([
  'cache-control',
  'content-type',
  'content-disposition',
  'content-encoding',
  'content-language',
  'content-md5',
  'expires',
]);

/**
 * `x-amz-*` fields that are not headers of the object: those that authenticate the form (accepted,
 * never checked) and those describing a request body's framing, which a form's file never has.
 */
const NOT_OBJECT_HEADERS = new Set([
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-signature',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'x-amz-decoded-content-length',
  'x-amz-trailer',
]);

/**
 * POST Object, a browser form upload: the multipart/form-data body is parsed, `${filename}` expanded
 * in every field, the policy (if any) enforced, then the file is written as PutObject writes a
 * body, the fields standing for its headers (`Content-Type`, `x-amz-meta-*`, `acl`, `tagging`,
 * `x-amz-storage-class`, `x-amz-server-side-encryption*`, ...). A form without a policy is an
 * anonymous upload: taken, since nothing is authenticated here.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
 *
 * @throws S3Error PreconditionFailed, MalformedPOSTRequest, InvalidArgument (no `key`),
 *   IncorrectNumberOfFilesInPostRequest, InvalidPolicyDocument, AccessDenied, EntityTooSmall,
 *   EntityTooLarge, and whatever PutObject refuses
 */
export async function postObject(services: S3Services, input: PostObjectInput): Promise<PostObjectOutcome> {
  const { bucket } = input;
  const bucketRecord = await requireBucket(services, bucket);
  const form = await parsePostForm(input.headers['content-type'], input.body);
  const filename = form.file?.filename;
  // Without a filename parameter the variable stays as written (S3 was seen to keep it).
  const fields = form.fields.map((field) => ({
    name: field.name,
    value: filename === undefined ? field.value : field.value.replaceAll(FILENAME_VARIABLE, () => filename),
  }));
  const key = fieldValue(fields, 'key');
  if (key === undefined || key === '') {
    throw new S3Error('InvalidArgument', {
      message:
        "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
      detail: { ArgumentName: 'key', ArgumentValue: '' },
    });
  }
  if (form.file === undefined || form.fileParts !== 1)
    throw new S3Error('IncorrectNumberOfFilesInPostRequest');
  const policy = fieldValue(fields, 'policy');
  if (policy !== undefined) {
    checkPostPolicy(parsePostPolicy(policy), {
      fields,
      bucket,
      fileSize: form.file.bytes.length,
      now: services.clock.now(),
    });
  }
  const { object } = await putObject(services, {
    bucket,
    key,
    headers: uploadHeaders(fields),
    rawBody: form.file.bytes,
  });
  return { object, bucket: bucketRecord, fields };
}

/** The value of a field, its name compared case-insensitively (repeated fields: the first). */
export function fieldValue(fields: readonly PostFormField[], name: string): string | undefined {
  return fields.find((field) => field.name.toLowerCase() === name)?.value;
}

/**
 * The headers a PutObject of the same object would carry, from the form's fields. A form field is
 * UTF-8 text where a header is bytes: user metadata that is not ASCII is kept RFC 2047-encoded, as
 * S3 returns it; other values are kept as their UTF-8 bytes (what a PUT with the same header stores).
 */
function uploadHeaders(fields: readonly PostFormField[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const field of fields) {
    const name = field.name.toLowerCase();
    if (name.startsWith('x-amz-meta-')) {
      headers[name] = mimeEncodedMetadataValue(field.value);
    } else if (HEADER_FIELDS.has(name) || (name.startsWith('x-amz-') && !NOT_OBJECT_HEADERS.has(name))) {
      headers[name] = headerBytes(field);
    } else if (name === 'acl') {
      headers['x-amz-acl'] = field.value;
    } else if (name === 'tagging') {
      headers['x-amz-tagging'] = taggingHeader(field.value);
    }
  }
  // The file part is the body as it is: never aws-chunked, whatever Content-Encoding says.
  headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  return headers;
}

/** Control characters other than tab: a header cannot hold them (a textarea can). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** A field's value as header bytes (its UTF-8, one byte per character, as node reads headers). */
function headerBytes(field: PostFormField): string {
  if (CONTROL_CHARACTER.test(field.value)) {
    throw new S3Error('InvalidArgument', {
      message: 'Header value cannot contain control characters.',
      detail: { ArgumentName: field.name, ArgumentValue: field.value },
    });
  }
  return Buffer.from(field.value, 'utf8').toString('latin1');
}

/** The `tagging` field is a `<Tagging>` document; PutObject takes tags as `x-amz-tagging`. */
function taggingHeader(document: string): string {
  return parseTaggingDocument(Buffer.from(document, 'utf8'))
    .map((tag) => `${encodeURIComponent(tag.key)}=${encodeURIComponent(tag.value)}`)
    .join('&');
}
