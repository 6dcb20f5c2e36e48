/**
 * A bucket's CORS rules: the PutBucketCors document, validated as S3 validates it, and the rule
 * that answers a request (preflight or actual) with the headers S3 sends for it.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html
 */
import type { CorsRule } from '../metadata/ports.js';
import { S3Error } from './errors.js';
import { childrenOf, listOf, parseRoot, textOf, textsOf } from './request-xml.js';

/** S3's limit on rules in one CORS configuration. */
export const MAX_CORS_RULES = 100;

/** The only methods a CORS rule may allow. */
export const CORS_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'] as const;

/**
 * Parses and validates a `<CORSConfiguration>` body: 1 to 100 `<CORSRule>`s, each with at least one
 * AllowedOrigin and AllowedMethod.
 *
 * @throws S3Error MalformedXML (bad XML, no rule, over 100 rules, a rule without origin or method,
 *   a MaxAgeSeconds that is not an integer); InvalidRequest (a method other than GET, PUT, POST,
 *   DELETE, HEAD; an AllowedOrigin or AllowedHeader with more than one `*`; an ExposeHeader with one)
 */
export function parseCorsConfiguration(body: Buffer): CorsRule[] {
  const root = childrenOf(parseRoot(body, 'CORSConfiguration'));
  const entries = listOf(root, 'CORSRule');
  if (entries.length === 0 || entries.length > MAX_CORS_RULES) throw new S3Error('MalformedXML');
  return entries.map((entry) => {
    const rule: CorsRule = {
      allowedOrigins: textsOf(entry, 'AllowedOrigin'),
      allowedMethods: textsOf(entry, 'AllowedMethod'),
      allowedHeaders: textsOf(entry, 'AllowedHeader'),
      exposeHeaders: textsOf(entry, 'ExposeHeader'),
    };
    const id = textOf(entry, 'ID');
    if (id !== undefined) rule.id = id;
    const maxAge = textOf(entry, 'MaxAgeSeconds')?.trim();
    if (maxAge !== undefined) {
      if (!/^\d{1,9}$/.test(maxAge)) throw new S3Error('MalformedXML');
      rule.maxAgeSeconds = Number(maxAge);
    }
    validateRule(rule);
    return rule;
  });
}

function validateRule(rule: CorsRule): void {
  if (rule.allowedOrigins.length === 0 || rule.allowedMethods.length === 0) throw new S3Error('MalformedXML');
  for (const method of rule.allowedMethods) {
    if (!(CORS_METHODS as readonly string[]).includes(method)) {
      throw invalidRequest(`Found unsupported HTTP method in CORS config. Unsupported method is ${method}`);
    }
  }
  for (const origin of rule.allowedOrigins) {
    if (wildcards(origin) > 1)
      throw invalidRequest(`AllowedOrigin "${origin}" can not have more than one wildcard.`);
  }
  for (const header of rule.allowedHeaders) {
    if (wildcards(header) > 1)
      throw invalidRequest(`AllowedHeader "${header}" can not have more than one wildcard.`);
  }
  for (const header of rule.exposeHeaders) {
    if (wildcards(header) > 0) {
      throw invalidRequest(
        `ExposeHeader "${header}" contains wildcard. We currently do not support wildcard for ExposeHeader.`,
      );
    }
  }
}

function wildcards(text: string): number {
  return text.split('*').length - 1;
}

function invalidRequest(message: string): S3Error {
  return new S3Error('InvalidRequest', { message });
}

/** What a CORS rule is matched against. */
export interface CorsRequest {
  /** The `Origin` header. */
  origin: string;
  /** The method the browser will use: Access-Control-Request-Method, or the request's own method. */
  method: string;
  /** Access-Control-Request-Headers, lower-cased, split and trimmed ([] when absent). */
  headers: string[];
}

/**
 * The first rule whose origins, methods and allowed headers all admit the request, as S3 picks it:
 * origins compare case-sensitively with one `*` matching any run of characters; every requested
 * header must match an AllowedHeader, case-insensitively, `*` again a wildcard.
 */
export function matchCorsRule(rules: readonly CorsRule[], request: CorsRequest): CorsRule | undefined {
  return rules.find(
    (rule) =>
      rule.allowedMethods.includes(request.method) &&
      rule.allowedOrigins.some((allowed) => wildcardMatch(allowed, request.origin)) &&
      request.headers.every((header) =>
        rule.allowedHeaders.some((allowed) => wildcardMatch(allowed.toLowerCase(), header)),
      ),
  );
}

/** Access-Control-Request-Headers as a list: `X-Amz-Date, content-type` -> ['x-amz-date', 'content-type']. */
export function requestedHeaders(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((header) => header.trim().toLowerCase())
    .filter((header) => header !== '');
}

/**
 * The headers S3 answers a request a rule admits with, preflight or actual: the origin (`*` when
 * the rule allows any), the rule's methods, exposed headers and max age, the requested headers,
 * `Vary`; `Access-Control-Allow-Credentials: true` only when the origin is named, not `*`.
 */
export function corsResponseHeaders(rule: CorsRule, request: CorsRequest): Record<string, string> {
  const anyOrigin = rule.allowedOrigins.includes('*');
  const headers: Record<string, string> = {
    'access-control-allow-origin': anyOrigin ? '*' : request.origin,
    'access-control-allow-methods': rule.allowedMethods.join(', '),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
  if (!anyOrigin) headers['access-control-allow-credentials'] = 'true';
  if (request.headers.length > 0) headers['access-control-allow-headers'] = request.headers.join(', ');
  if (rule.exposeHeaders.length > 0) headers['access-control-expose-headers'] = rule.exposeHeaders.join(', ');
  if (rule.maxAgeSeconds !== undefined) headers['access-control-max-age'] = String(rule.maxAgeSeconds);
  return headers;
}

function wildcardMatch(pattern: string, text: string): boolean {
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === text;
  const prefix = pattern.slice(0, star);
  const suffix = pattern.slice(star + 1);
  return text.length >= prefix.length + suffix.length && text.startsWith(prefix) && text.endsWith(suffix);
}
