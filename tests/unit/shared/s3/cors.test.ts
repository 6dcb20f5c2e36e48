import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { CorsRule } from '../../../../shared/metadata/ports.js';
import {
  corsResponseHeaders,
  matchCorsRule,
  parseCorsConfiguration,
  requestedHeaders,
} from '../../../../shared/s3/cors.js';
import { s3ErrorOf } from './s3-error.js';

const xml = (text: string): Buffer => Buffer.from(text, 'utf8');
const rule = (overrides: Partial<CorsRule> = {}): CorsRule => ({
  allowedOrigins: ['https://app.example.com'],
  allowedMethods: ['GET'],
  allowedHeaders: [],
  exposeHeaders: [],
  ...overrides,
});

describe('parseCorsConfiguration', () => {
  it('reads one rule with every element, repeated elements in document order, entities decoded', () => {
    // Prepare
    const body = xml(
      '<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule><ID>a&amp;b</ID>' +
        '<AllowedOrigin>https://a.test</AllowedOrigin><AllowedOrigin>http://*.b.test</AllowedOrigin>' +
        '<AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader>' +
        '<ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds> 300 </MaxAgeSeconds></CORSRule></CORSConfiguration>',
    );

    // Act
    const rules = parseCorsConfiguration(body);

    // Assess
    expect(rules).toEqual([
      {
        id: 'a&b',
        allowedOrigins: ['https://a.test', 'http://*.b.test'],
        allowedMethods: ['PUT', 'GET'],
        allowedHeaders: ['*'],
        exposeHeaders: ['ETag'],
        maxAgeSeconds: 300,
      },
    ]);
  });

  it.each([
    ['a MaxAgeSeconds that is not an integer', '<MaxAgeSeconds>1.5</MaxAgeSeconds>', 'MalformedXML'],
    ['an empty AllowedMethod', '<AllowedMethod></AllowedMethod>', 'InvalidRequest'],
    ['a lower-case method', '<AllowedMethod>get</AllowedMethod>', 'InvalidRequest'],
    ['a wildcard in ExposeHeader', '<ExposeHeader>x-*</ExposeHeader>', 'InvalidRequest'],
  ])('%s -> %s', (_name, extra, code) => {
    // Act
    const error = s3ErrorOf(() =>
      parseCorsConfiguration(
        xml(
          `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>${extra}</CORSRule></CORSConfiguration>`,
        ),
      ),
    );

    // Assess
    expect(error.code).toBe(code);
  });

  it('names the ExposeHeader with a wildcard as S3 does', () => {
    // Act
    const error = s3ErrorOf(() =>
      parseCorsConfiguration(
        xml(
          '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ExposeHeader>*</ExposeHeader></CORSRule></CORSConfiguration>',
        ),
      ),
    );

    // Assess
    expect(error.message).toBe(
      'ExposeHeader "*" contains wildcard. We currently do not support wildcard for ExposeHeader.',
    );
  });

  it('another root element -> MalformedXML', () => {
    expect(s3ErrorOf(() => parseCorsConfiguration(xml('<CORSRules/>'))).code).toBe('MalformedXML');
  });
});

describe('matchCorsRule', () => {
  it('takes the first rule that admits origin, method and every requested header', () => {
    // Prepare
    const rules = [
      rule({ allowedMethods: ['PUT'] }),
      rule({ allowedHeaders: ['content-type'], id: 'second' }),
      rule({ allowedOrigins: ['*'], allowedHeaders: ['*'], id: 'third' }),
    ];

    // Act
    const plain = matchCorsRule(rules, { origin: 'https://app.example.com', method: 'GET', headers: [] });
    const withHeader = matchCorsRule(rules, {
      origin: 'https://app.example.com',
      method: 'GET',
      headers: ['x-amz-date'],
    });

    // Assess
    expect(plain?.id).toBe('second');
    expect(withHeader?.id).toBe('third');
  });

  it('compares origins case-sensitively, headers case-insensitively, `*` matching any run', () => {
    // Prepare
    const rules = [rule({ allowedOrigins: ['http://*.example.com'], allowedHeaders: ['X-Amz-*'] })];
    const admits = (origin: string, headers: string[]) =>
      matchCorsRule(rules, { origin, method: 'GET', headers }) !== undefined;

    // Assess
    expect(admits('http://a.b.example.com', ['x-amz-date', 'x-amz-meta-x'])).toBe(true);
    expect(admits('http://A.example.COM', [])).toBe(false);
    expect(admits('https://a.example.com', [])).toBe(false);
    expect(admits('http://a.example.com', ['content-type'])).toBe(false);
  });

  it('property: an origin built from a pattern prefix, any middle and its suffix always matches it', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (prefix, middle, suffix) => {
        const pattern = `${prefix.replaceAll('*', '')}*${suffix.replaceAll('*', '')}`;
        const origin = `${prefix.replaceAll('*', '')}${middle}${suffix.replaceAll('*', '')}`;
        return (
          matchCorsRule([rule({ allowedOrigins: [pattern] })], { origin, method: 'GET', headers: [] }) !==
          undefined
        );
      }),
    );
  });
});

describe('requestedHeaders and corsResponseHeaders', () => {
  it('splits Access-Control-Request-Headers, lower-cased, empty items dropped', () => {
    expect(requestedHeaders(' X-Amz-Date ,Content-Type,, ')).toEqual(['x-amz-date', 'content-type']);
    expect(requestedHeaders(undefined)).toEqual([]);
  });

  it('a named origin gets credentials; `*` gets neither the origin nor credentials', () => {
    // Act
    const named = corsResponseHeaders(rule({ maxAgeSeconds: 0 }), {
      origin: 'https://app.example.com',
      method: 'GET',
      headers: [],
    });
    const any = corsResponseHeaders(rule({ allowedOrigins: ['*'] }), {
      origin: 'https://x.test',
      method: 'GET',
      headers: ['a'],
    });

    // Assess
    expect(named).toMatchObject({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '0',
    });
    expect(any['access-control-allow-origin']).toBe('*');
    expect(any['access-control-allow-credentials']).toBeUndefined();
    expect(any['access-control-allow-headers']).toBe('a');
  });
});
