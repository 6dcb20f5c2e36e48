/**
 * Object and bucket tags: the `x-amz-tagging` header, the `<Tagging>` document, and AWS's limits
 * with the codes and texts S3 answers them with.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html
 */
import type { ObjectRecord, Tag } from '../metadata/ports.js';
import { S3Error } from './errors.js';
import { childrenOf, listOf, parseRoot, textOf, type XmlElement } from './request-xml.js';

/** What the tags belong to: the limits and one message differ. */
export type TaggedResource = 'object' | 'bucket';

const MAX_TAGS: Record<TaggedResource, number> = { object: 10, bucket: 50 };
const TOO_MANY_TAGS: Record<TaggedResource, string> = {
  object: 'Object tags cannot be greater than 10',
  bucket: 'Bucket tag count cannot be greater than 50',
};
const RESERVED_PREFIX_MESSAGE: Record<TaggedResource, string> = {
  object: 'Your TagKey cannot be prefixed with aws:',
  bucket: 'System tags cannot be added/updated by requester',
};
/** S3 counts lengths in UTF-16 code units ("internally represented in UTF-16"). */
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;
/** Unicode letters, digits and spaces, and `_ . : / = + - @`. */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const HEADER_MESSAGE =
  "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.";

/**
 * Checks a tag set against AWS's limits, in the order S3 checks them.
 * @throws S3Error BadRequest for too many tags; InvalidTag for a duplicate or reserved key, a
 *   character outside the allowed set, or a key or value too long
 */
export function validateTags(tags: readonly Tag[], resource: TaggedResource): void {
  if (tags.length > MAX_TAGS[resource]) throw new S3Error('BadRequest', { message: TOO_MANY_TAGS[resource] });
  const seen = new Set<string>();
  for (const { key, value } of tags) {
    if (seen.has(key)) throw invalidTag('Cannot provide multiple Tags with the same key', { TagKey: key });
    seen.add(key);
    if (key.startsWith('aws:')) throw invalidTag(RESERVED_PREFIX_MESSAGE[resource], { TagKey: key });
    if (key === '' || !TAG_CHARACTERS.test(key))
      throw invalidTag('The TagKey you have provided is invalid', { TagKey: key });
    if (key.length > MAX_KEY_LENGTH)
      throw invalidTag(`The TagKey you have provided is too long, max ${MAX_KEY_LENGTH}`, { TagKey: key });
    if (!TAG_CHARACTERS.test(value))
      throw invalidTag('The TagValue you have provided is invalid', { TagKey: key, TagValue: value });
    if (value.length > MAX_VALUE_LENGTH)
      throw invalidTag(`The TagValue you have provided is too long, max ${MAX_VALUE_LENGTH}`, {
        TagKey: key,
      });
  }
}

function invalidTag(message: string, detail: Record<string, string>): S3Error {
  return new S3Error('InvalidTag', { message, detail });
}

/**
 * The tags of `x-amz-tagging` (URL-encoded `k1=v1&k2=v2`, `+` for a space as HTML forms write
 * it, a key without `=` has the empty value), in header order, validated as an object's tags;
 * undefined when the header is absent.
 * @throws S3Error InvalidArgument when the header is not that form or repeats a key
 */
export function tagsFromHeader(value: string | undefined): Tag[] | undefined {
  if (value === undefined) return undefined;
  const tags: Tag[] = [];
  const seen = new Set<string>();
  for (const pair of value.split('&')) {
    if (pair === '') continue;
    const parts = pair.split('=');
    if (parts.length > 2) throw headerError(value);
    const key = decodeFormComponent(parts[0]!, value);
    if (seen.has(key)) throw headerError(value);
    seen.add(key);
    tags.push({ key, value: decodeFormComponent(parts[1] ?? '', value) });
  }
  validateTags(tags, 'object');
  return tags;
}

function decodeFormComponent(text: string, header: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    throw headerError(header);
  }
}

function headerError(header: string): S3Error {
  return new S3Error('InvalidArgument', {
    message: HEADER_MESSAGE,
    detail: { ArgumentName: 'x-amz-tagging', ArgumentValue: header },
  });
}

/**
 * The tags of a `<Tagging><TagSet><Tag><Key/><Value/></Tag>...` document (PutObjectTagging,
 * PutBucketTagging, POST Object's `tagging` field), in document order, validated for `resource`.
 * An empty TagSet is an empty list (S3 then removes the tags).
 * @throws S3Error MalformedXML when the document does not match the schema (no TagSet, a Tag
 *   without Key or Value); BadRequest or InvalidTag as {@link validateTags}
 */
export function parseTaggingDocument(body: Buffer, resource: TaggedResource = 'object'): Tag[] {
  const root = childrenOf(parseRoot(body, 'Tagging'));
  if (root.TagSet === undefined) throw new S3Error('MalformedXML');
  const tags = listOf(elementsOf(root, 'TagSet'), 'Tag').map((tag) => {
    const key = textOf(tag, 'Key');
    const value = textOf(tag, 'Value');
    if (key === undefined || value === undefined) throw new S3Error('MalformedXML');
    return { key, value };
  });
  validateTags(tags, resource);
  return tags;
}

/** The children of the one element `name` of `parent`; whitespace alone counts as empty. */
function elementsOf(parent: XmlElement, name: string): XmlElement {
  const value = parent[name];
  if (typeof value === 'string' && value.trim() === '') return {};
  if (Array.isArray(value)) throw new S3Error('MalformedXML');
  return childrenOf(value);
}

/**
 * The tags a CopyObject gives its target by `x-amz-tagging-directive`: the source's (COPY, the
 * default; `x-amz-tagging` is then ignored, as S3 does) or the header's (REPLACE; none when absent).
 * @throws S3Error InvalidArgument for another directive
 */
export function tagsForCopy(headers: Record<string, string>, source: ObjectRecord): Tag[] | undefined {
  const directive = headers['x-amz-tagging-directive'] ?? 'COPY';
  if (directive === 'COPY') return source.tags;
  if (directive === 'REPLACE') return tagsFromHeader(headers['x-amz-tagging']);
  throw new S3Error('InvalidArgument', {
    message: 'Unknown tagging directive.',
    detail: { ArgumentName: 'x-amz-tagging-directive', ArgumentValue: directive },
  });
}

/** `x-amz-tagging-count` on GET/HEAD, only when the object has tags. */
export function taggingCountHeader(object: ObjectRecord): Record<string, string> {
  const count = object.tags?.length ?? 0;
  return count > 0 ? { 'x-amz-tagging-count': String(count) } : {};
}
