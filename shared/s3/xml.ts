/**
 * A small XML response builder for S3 handlers: plain data in, the document S3 would send out.
 * Built by string concatenation, since a ListObjectsV2 page of 1000 keys goes through it.
 */
import { escapeXml } from './errors.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/**
 * Element content:
 * - string, number, boolean: text (escaped); Date: ISO 8601 with milliseconds;
 * - object: child elements in key order; an array value repeats the element once per item;
 *   undefined and null values are left out;
 * - the key `@` of an object holds the element's attributes.
 */
export type XmlNode = XmlScalar | XmlNode[] | XmlElement | undefined | null;
export type XmlScalar = string | number | boolean | Date;
export interface XmlElement {
  '@'?: Record<string, string>;
  [name: string]: XmlNode | Record<string, string>;
}

/**
 * Renders a document: the XML declaration, then `<rootName xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`
 * with `children` inside. `attrs` adds root attributes or replaces the default `xmlns`.
 */
export function xmlDocument(rootName: string, children: XmlNode, attrs?: Record<string, string>): string {
  return DECLARATION + renderElement(rootName, children, { xmlns: S3_XMLNS, ...attrs });
}

/** Renders one element and its content, without a declaration. */
export function xmlElement(name: string, content: XmlNode): string {
  return renderElement(name, content, undefined);
}

function renderElement(name: string, content: XmlNode, attrs: Record<string, string> | undefined): string {
  let attributes = attrs === undefined ? undefined : { ...attrs };
  if (isElement(content) && content['@'] !== undefined) attributes = { ...attributes, ...content['@'] };
  let open = `<${name}`;
  if (attributes !== undefined) {
    for (const attribute in attributes) open += ` ${attribute}="${escapeXml(attributes[attribute]!)}"`;
  }
  return `${open}>${renderContent(content)}</${name}>`;
}

function renderContent(content: XmlNode): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return escapeXml(content);
  if (typeof content === 'number' || typeof content === 'boolean') return String(content);
  if (content instanceof Date) return content.toISOString();
  if (Array.isArray(content)) {
    let out = '';
    for (const item of content) out += renderContent(item);
    return out;
  }
  let out = '';
  for (const name in content) {
    if (name === '@') continue;
    const value = content[name] as XmlNode;
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) {
        if (item !== undefined && item !== null) out += renderElement(name, item, undefined);
      }
    } else {
      out += renderElement(name, value, undefined);
    }
  }
  return out;
}

function isElement(content: XmlNode): content is XmlElement {
  return (
    typeof content === 'object' && content !== null && !(content instanceof Date) && !Array.isArray(content)
  );
}
