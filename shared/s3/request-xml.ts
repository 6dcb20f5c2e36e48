/**
 * Parsers for the XML bodies S3 requests carry: DeleteObjects, CompleteMultipartUpload and
 * CreateBucket. Values are strings exactly as sent: no whitespace trimming (keys may begin or end
 * with spaces), no number parsing, only the five XML entities and character references decoded,
 * and no DTD at all (no entity expansion). Anything else is MalformedXML, as S3 answers.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from '../metadata/ports.js';
import { S3Error } from './errors.js';

/** S3's limit on keys per DeleteObjects request. */
export const MAX_DELETE_OBJECTS = 1000;

const REPEATED_ELEMENTS = new Set(['Object', 'Part']);

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: false,
  isArray: (name) => REPEATED_ELEMENTS.has(name),
});

export type XmlValue = string | XmlElement | XmlValue[];
/** An element's children by name, as the parser gives them. */
export interface XmlElement {
  [name: string]: XmlValue;
}

function malformedXml(): S3Error {
  return new S3Error('MalformedXML');
}

/**
 * Parses `xml` and returns the content of its single root element, which must be `rootName`.
 * @throws S3Error MalformedXML
 */
export function parseRoot(xml: Buffer, rootName: string): XmlElement | string {
  const text = xml.toString('utf8');
  if (/<!DOCTYPE/i.test(text) || XMLValidator.validate(text) !== true) throw malformedXml();
  let document: XmlElement;
  try {
    document = parser.parse(text) as XmlElement;
  } catch {
    throw malformedXml();
  }
  const roots = Object.keys(document);
  if (roots.length !== 1 || roots[0] !== rootName) throw malformedXml();
  const root = document[rootName];
  if (root === undefined || Array.isArray(root)) throw malformedXml();
  return root;
}

/** The child elements of an element; an empty element (`<Delete/>`) has none. */
export function childrenOf(value: XmlValue | undefined): XmlElement {
  if (value === undefined || value === '') return {};
  if (typeof value !== 'string' && !Array.isArray(value)) return value;
  // Text where elements are expected (whitespace between them is kept as #text and ignored).
  throw malformedXml();
}

/** The text of a leaf element, entities decoded; undefined when absent. */
export function textOf(element: XmlElement, name: string): string | undefined {
  const value = element[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw malformedXml();
  return decodeEntities(value);
}

/** The elements named `name`, in document order; one element alone is a list of one. */
export function listOf(element: XmlElement, name: string): XmlElement[] {
  const value = element[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((item) => childrenOf(item));
}

/** The texts of a leaf element that may repeat (`<AllowedOrigin>` ...), entities decoded, in document order. */
export function textsOf(element: XmlElement, name: string): string[] {
  const value = element[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((item) => {
    if (typeof item !== 'string') throw malformedXml();
    return decodeEntities(item);
  });
}

const ENTITY = /&([^;&]*);|&/g;
const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the XML entities and character references; any other `&` is malformed XML. */
function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (_match, name: string | undefined) => {
    if (name === undefined) throw malformedXml();
    const named = NAMED_ENTITIES[name];
    if (named !== undefined) return named;
    const code = /^#x[0-9a-fA-F]{1,6}$/.test(name)
      ? Number.parseInt(name.slice(2), 16)
      : /^#[0-9]{1,7}$/.test(name)
        ? Number.parseInt(name.slice(1), 10)
        : Number.NaN;
    if (!isXmlChar(code)) throw malformedXml();
    return String.fromCodePoint(code);
  });
}

/** The Char production of XML 1.0. */
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

export interface DeleteObjectsRequest {
  quiet: boolean;
  objects: { key: string; versionId?: string }[];
}

/**
 * Parses a DeleteObjects body (`<Delete><Quiet/><Object><Key/><VersionId/></Object>...</Delete>`).
 * Keys are returned as sent (an empty key is left to the caller).
 *
 * @throws S3Error MalformedXML when the XML is malformed, has no `<Object>`, an `<Object>` without
 *   `<Key>`, a `<Quiet>` other than true/false, or more than 1000 objects
 */
export function parseDeleteObjects(xml: Buffer): DeleteObjectsRequest {
  const root = childrenOf(parseRoot(xml, 'Delete'));
  const quietText = textOf(root, 'Quiet')?.trim().toLowerCase();
  if (quietText !== undefined && quietText !== 'true' && quietText !== 'false') throw malformedXml();
  const entries = listOf(root, 'Object');
  if (entries.length === 0 || entries.length > MAX_DELETE_OBJECTS) throw malformedXml();
  const objects = entries.map((entry) => {
    const key = textOf(entry, 'Key');
    if (key === undefined) throw malformedXml();
    const versionId = textOf(entry, 'VersionId');
    return versionId === undefined ? { key } : { key, versionId };
  });
  return { quiet: quietText === 'true', objects };
}

export interface CompletedPart {
  partNumber: number;
  /** As sent (quotes kept), trimmed. */
  etag: string;
  /** Part checksums the client sent (`<ChecksumCRC32>` ...), base64. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

/**
 * Parses a CompleteMultipartUpload body. Parts come back in document order: the caller checks
 * the order (InvalidPartOrder) and the part numbers' range.
 *
 * @throws S3Error MalformedXML when the XML is malformed, lists no `<Part>`, or a part lacks a
 *   numeric `<PartNumber>` or an `<ETag>`
 */
export function parseCompleteMultipartUpload(xml: Buffer): { parts: CompletedPart[] } {
  const root = childrenOf(parseRoot(xml, 'CompleteMultipartUpload'));
  const entries = listOf(root, 'Part');
  if (entries.length === 0) throw malformedXml();
  const parts = entries.map((entry) => {
    const partNumber = textOf(entry, 'PartNumber')?.trim();
    const etag = textOf(entry, 'ETag')?.trim();
    if (partNumber === undefined || !/^\d{1,9}$/.test(partNumber) || etag === undefined) throw malformedXml();
    const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const value = textOf(entry, `Checksum${algorithm}`)?.trim();
      if (value !== undefined) checksums[algorithm] = value;
    }
    return { partNumber: Number(partNumber), etag, checksums };
  });
  return { parts };
}

/**
 * Parses a CreateBucket body; an empty body is allowed (the default region). An empty
 * `<LocationConstraint/>` means the default region too.
 *
 * @throws S3Error MalformedXML
 */
export function parseCreateBucketConfiguration(xml: Buffer): { locationConstraint?: string } {
  if (xml.toString('utf8').trim() === '') return {};
  const root = childrenOf(parseRoot(xml, 'CreateBucketConfiguration'));
  const locationConstraint = textOf(root, 'LocationConstraint')?.trim();
  return locationConstraint ? { locationConstraint } : {};
}

export interface VersioningConfigurationRequest {
  status: 'Enabled' | 'Suspended';
  /** `<MfaDelete>` as sent (Enabled or Disabled); undefined when absent. */
  mfaDelete?: 'Enabled' | 'Disabled';
}

/**
 * Parses a PutBucketVersioning body (`<VersioningConfiguration><Status/><MfaDelete/>`). A missing
 * `<Status>` is IllegalVersioningConfigurationException, as S3 answers; a value outside the schema's
 * (Enabled, Suspended; MfaDelete Enabled, Disabled) fails the schema: MalformedXML.
 *
 * @throws S3Error MalformedXML, IllegalVersioningConfigurationException
 */
export function parseVersioningConfiguration(xml: Buffer): VersioningConfigurationRequest {
  const root = childrenOf(parseRoot(xml, 'VersioningConfiguration'));
  const status = textOf(root, 'Status');
  const mfaDelete = textOf(root, 'MfaDelete');
  if (mfaDelete !== undefined && mfaDelete !== 'Enabled' && mfaDelete !== 'Disabled') throw malformedXml();
  if (status === undefined) throw new S3Error('IllegalVersioningConfigurationException');
  if (status !== 'Enabled' && status !== 'Suspended') throw malformedXml();
  return mfaDelete === undefined ? { status } : { status, mfaDelete };
}
