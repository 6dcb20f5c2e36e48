import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteBucketCorsCommand,
  GetBucketCorsCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { expectS3Error, parseXml, type RawResponse, rawRequest, sdkError } from '../support/e2e/http.js';
import { md5Base64 } from '../support/e2e/payload.js';
import { awsCli, type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(60_000);

const ORIGIN = 'https://app.example.com';
const VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';
const NOT_ALLOWED =
  "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";

let target: Target;
/** A bucket with the rules below. */
let bucket: string;
/** A bucket that never gets CORS rules. */
let plain: string;

const RULES = [
  {
    ID: 'app',
    AllowedOrigins: [ORIGIN, 'http://*.example.org'],
    AllowedMethods: ['GET', 'PUT', 'HEAD'],
    AllowedHeaders: ['Content-Type', 'x-amz-meta-*'],
    ExposeHeaders: ['ETag', 'x-amz-request-id'],
    MaxAgeSeconds: 3000,
  },
  { AllowedOrigins: ['*'], AllowedMethods: ['GET'] },
];

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('cors');
  plain = await target.createBucket('cors-none');
  await target.client.send(
    new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: RULES } }),
  );
  await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'hello.txt', Body: 'hello' }));
  await target.client.send(new PutObjectCommand({ Bucket: plain, Key: 'hello.txt', Body: 'hello' }));
});

afterAll(async () => {
  await target?.close();
});

function preflight(path: string, headers: Record<string, string>): Promise<RawResponse> {
  return rawRequest(target.endpoint, { method: 'OPTIONS', path, headers });
}

/** The CORS headers of a response, the only part of it these tests compare whole. */
function corsHeaders(response: RawResponse): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(response.headers).filter(
      ([name]) => name.startsWith('access-control-') || name === 'vary',
    ),
  );
}

function putCors(name: string, xml: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(target.endpoint, {
    method: 'PUT',
    path: `/${name}?cors`,
    headers: { 'content-md5': md5Base64(xml), 'content-type': 'application/xml', ...headers },
    body: xml,
  });
}

describe('Put/Get/DeleteBucketCors through the SDK', () => {
  it('GetBucketCors returns the rules as they were put, in order', async () => {
    // Act
    const got = await target.client.send(new GetBucketCorsCommand({ Bucket: bucket }));

    // Assess
    expect(got.CORSRules).toEqual([
      {
        ID: 'app',
        AllowedOrigins: [ORIGIN, 'http://*.example.org'],
        AllowedMethods: ['GET', 'PUT', 'HEAD'],
        AllowedHeaders: ['Content-Type', 'x-amz-meta-*'],
        ExposeHeaders: ['ETag', 'x-amz-request-id'],
        MaxAgeSeconds: 3000,
      },
      { AllowedOrigins: ['*'], AllowedMethods: ['GET'] },
    ]);
  });

  it('DeleteBucketCors removes them (204, also when there were none); GetBucketCors is then 404 NoSuchCORSConfiguration', async () => {
    // Prepare
    const name = await target.createBucket('cors-delete');
    await target.client.send(
      new PutBucketCorsCommand({
        Bucket: name,
        CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }] },
      }),
    );

    // Act
    const deleted = await target.client.send(new DeleteBucketCorsCommand({ Bucket: name }));
    const again = await target.client.send(new DeleteBucketCorsCommand({ Bucket: name }));
    const missing = await sdkError(target.client.send(new GetBucketCorsCommand({ Bucket: name })));
    const raw = await rawRequest(target.endpoint, { method: 'GET', path: `/${name}?cors` });

    // Assess
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(again.$metadata.httpStatusCode).toBe(204);
    expect(missing).toEqual({ name: 'NoSuchCORSConfiguration', status: 404 });
    const error = expectS3Error(raw, 'NoSuchCORSConfiguration', 404) as Record<string, unknown>;
    expect(error.Message).toBe('The CORS configuration does not exist');
    expect(error.BucketName).toBe(name);
  });

  it('a bucket that does not exist: NoSuchBucket for all three', async () => {
    // Act
    const put = await sdkError(
      target.client.send(
        new PutBucketCorsCommand({
          Bucket: 'no-such-bucket-cors-e2e',
          CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }] },
        }),
      ),
    );
    const get = await sdkError(
      target.client.send(new GetBucketCorsCommand({ Bucket: 'no-such-bucket-cors-e2e' })),
    );
    const del = await sdkError(
      target.client.send(new DeleteBucketCorsCommand({ Bucket: 'no-such-bucket-cors-e2e' })),
    );

    // Assess
    expect([put, get, del]).toEqual([
      { name: 'NoSuchBucket', status: 404 },
      { name: 'NoSuchBucket', status: 404 },
      { name: 'NoSuchBucket', status: 404 },
    ]);
  });
});

describe('PutBucketCors refuses what S3 refuses', () => {
  const rule = (inner: string) => `<CORSConfiguration><CORSRule>${inner}</CORSRule></CORSConfiguration>`;

  it.each([
    [
      'a method S3 does not allow',
      'InvalidRequest',
      rule(
        '<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PATCH</AllowedMethod>',
      ),
      'Found unsupported HTTP method in CORS config. Unsupported method is PATCH',
    ],
    [
      'two wildcards in an origin',
      'InvalidRequest',
      rule('<AllowedOrigin>https://*.example.*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>'),
      'AllowedOrigin "https://*.example.*" can not have more than one wildcard.',
    ],
    [
      'two wildcards in an allowed header',
      'InvalidRequest',
      rule(
        '<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>x-*-*</AllowedHeader>',
      ),
      'AllowedHeader "x-*-*" can not have more than one wildcard.',
    ],
    [
      'a rule without AllowedOrigin',
      'MalformedXML',
      rule('<AllowedMethod>GET</AllowedMethod>'),
      'The XML you provided was not well-formed or did not validate against our published schema',
    ],
    [
      'no rule at all',
      'MalformedXML',
      '<CORSConfiguration></CORSConfiguration>',
      'The XML you provided was not well-formed or did not validate against our published schema',
    ],
    [
      'XML that is not well-formed',
      'MalformedXML',
      '<CORSConfiguration><CORSRule>',
      'The XML you provided was not well-formed or did not validate against our published schema',
    ],
  ])('%s -> %s', async (_name, code, xml, message) => {
    // Act
    const response = await putCors(plain, xml);
    const after = await rawRequest(target.endpoint, { method: 'GET', path: `/${plain}?cors` });

    // Assess
    expect(expectS3Error(response, code, 400).Message).toBe(message);
    expectS3Error(after, 'NoSuchCORSConfiguration', 404);
  });

  it('101 rules -> MalformedXML; 100 are taken', async () => {
    // Prepare
    const name = await target.createBucket('cors-many');
    const rules = (count: number) =>
      `<CORSConfiguration>${'<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>'.repeat(count)}</CORSConfiguration>`;

    // Act
    const tooMany = await putCors(name, rules(101));
    const enough = await putCors(name, rules(100));

    // Assess
    expectS3Error(tooMany, 'MalformedXML', 400);
    expect(enough.status).toBe(200);
  });

  it('no Content-MD5 or checksum -> InvalidRequest, as S3 requires one on PutBucketCors', async () => {
    // Act
    const xml = rule('<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>');
    const response = await rawRequest(target.endpoint, { method: 'PUT', path: `/${plain}?cors`, body: xml });

    // Assess
    expect(expectS3Error(response, 'InvalidRequest', 400).Message).toBe(
      'Missing required header for this request: Content-MD5',
    );
  });
});

describe('preflight (OPTIONS)', () => {
  it('a rule that admits origin, method and headers: 200 with its headers, the requested headers lower-cased', async () => {
    // Act
    const response = await preflight(`/${bucket}/hello.txt`, {
      origin: ORIGIN,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'Content-Type, X-Amz-Meta-Owner',
    });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.length).toBe(0);
    expect(corsHeaders(response)).toEqual({
      'access-control-allow-origin': ORIGIN,
      'access-control-allow-methods': 'GET, PUT, HEAD',
      'access-control-allow-headers': 'content-type, x-amz-meta-owner',
      'access-control-expose-headers': 'ETag, x-amz-request-id',
      'access-control-max-age': '3000',
      'access-control-allow-credentials': 'true',
      vary: VARY,
    });
  });

  it('an origin matching a wildcard rule; a `*` rule answers `*` without credentials', async () => {
    // Act
    const wildcard = await preflight(`/${bucket}`, {
      origin: 'http://shop.example.org',
      'access-control-request-method': 'HEAD',
    });
    const any = await preflight(`/${bucket}/hello.txt`, {
      origin: 'https://elsewhere.test',
      'access-control-request-method': 'GET',
    });

    // Assess
    expect(wildcard.status).toBe(200);
    expect(wildcard.headers['access-control-allow-origin']).toBe('http://shop.example.org');
    expect(any.status).toBe(200);
    expect(corsHeaders(any)).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET',
      vary: VARY,
    });
  });

  it.each([
    [
      'an origin no rule names',
      { origin: 'https://evil.test', 'access-control-request-method': 'PUT' },
      'PUT',
    ],
    [
      'a method no rule of the origin allows',
      { origin: ORIGIN, 'access-control-request-method': 'DELETE' },
      'DELETE',
    ],
    [
      'a header no rule allows',
      {
        origin: ORIGIN,
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'x-amz-acl',
      },
      'PUT',
    ],
  ])('%s -> 403 AccessForbidden with Method and ResourceType', async (_name, headers, method) => {
    // Act
    const response = await preflight(`/${bucket}/hello.txt`, headers);

    // Assess
    const error = expectS3Error(response, 'AccessForbidden', 403) as Record<string, unknown>;
    expect(error).toMatchObject({ Message: NOT_ALLOWED, Method: method, ResourceType: 'OBJECT' });
    expect(corsHeaders(response)).toEqual({});
  });

  it('a bucket without rules, a bucket that does not exist: 403 AccessForbidden with S3 messages', async () => {
    // Act
    const none = await preflight(`/${plain}/hello.txt`, {
      origin: ORIGIN,
      'access-control-request-method': 'GET',
    });
    const missing = await preflight('/no-such-bucket-cors-e2e/x', { origin: ORIGIN });

    // Assess
    expect(expectS3Error(none, 'AccessForbidden', 403)).toMatchObject({
      Message: 'CORSResponse: CORS is not enabled for this bucket.',
      Method: 'GET',
      ResourceType: 'BUCKET',
    });
    expect(expectS3Error(missing, 'AccessForbidden', 403)).toMatchObject({
      Message: 'CORSResponse: Bucket not found',
      Method: 'OPTIONS',
      ResourceType: 'BUCKET',
    });
  });

  it('no Origin, or no valid Access-Control-Request-Method -> 400 BadRequest with S3 messages', async () => {
    // Act
    const noOrigin = await preflight(`/${bucket}/hello.txt`, { 'access-control-request-method': 'GET' });
    const noMethod = await preflight(`/${bucket}/hello.txt`, { origin: ORIGIN });
    const badMethod = await preflight(`/${bucket}/hello.txt`, {
      origin: ORIGIN,
      'access-control-request-method': 'PATCH',
    });

    // Assess
    expect(expectS3Error(noOrigin, 'BadRequest', 400).Message).toBe(
      'Insufficient information. Origin request header needed.',
    );
    expect(expectS3Error(noMethod, 'BadRequest', 400).Message).toBe(
      'Invalid Access-Control-Request-Method: null',
    );
    expect(expectS3Error(badMethod, 'BadRequest', 400).Message).toBe(
      'Invalid Access-Control-Request-Method: PATCH',
    );
  });
});

describe('CORS headers on actual requests', () => {
  it('a GET from an allowed origin carries the rule headers; the same GET without Origin carries none', async () => {
    // Act
    const cross = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}/hello.txt`,
      headers: { origin: ORIGIN },
    });
    const same = await rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}/hello.txt` });

    // Assess
    expect(cross.status).toBe(200);
    expect(cross.text).toBe('hello');
    expect(corsHeaders(cross)).toEqual({
      'access-control-allow-origin': ORIGIN,
      'access-control-allow-methods': 'GET, PUT, HEAD',
      'access-control-expose-headers': 'ETag, x-amz-request-id',
      'access-control-max-age': '3000',
      'access-control-allow-credentials': 'true',
      vary: VARY,
    });
    expect(corsHeaders(same)).toEqual({});
  });

  it('an S3 error (404 NoSuchKey) carries them too, so the browser can read it', async () => {
    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}/missing.txt`,
      headers: { origin: ORIGIN },
    });

    // Assess
    expectS3Error(response, 'NoSuchKey', 404);
    expect(response.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(response.headers['access-control-expose-headers']).toBe('ETag, x-amz-request-id');
  });

  it('a PUT from an allowed origin carries them; a DELETE no rule allows, a foreign origin and a bucket without rules carry none', async () => {
    // Act
    const put = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${bucket}/from-browser.txt`,
      headers: { origin: ORIGIN, 'content-length': 2 },
      body: 'hi',
    });
    const del = await rawRequest(target.endpoint, {
      method: 'DELETE',
      path: `/${bucket}/from-browser.txt`,
      headers: { origin: ORIGIN },
    });
    const foreign = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${bucket}/foreign.txt`,
      headers: { origin: 'https://evil.test', 'content-length': 2 },
      body: 'hi',
    });
    const none = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${plain}/hello.txt`,
      headers: { origin: ORIGIN },
    });

    // Assess
    expect(put.status).toBe(200);
    expect(put.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(del.status).toBe(204);
    expect(corsHeaders(del)).toEqual({});
    expect(foreign.status).toBe(200);
    expect(corsHeaders(foreign)).toEqual({});
    expect(none.status).toBe(200);
    expect(corsHeaders(none)).toEqual({});
  });
});

describe('aws-cli', () => {
  it('put-bucket-cors from a JSON file, then get-bucket-cors prints the rules back', async () => {
    // Prepare
    const name = await target.createBucket('cors-cli');
    const file = join(tmpdir(), `cors-${name}.json`);
    await writeFile(
      file,
      JSON.stringify({
        CORSRules: [
          { AllowedOrigins: ['https://cli.example'], AllowedMethods: ['GET', 'POST'], MaxAgeSeconds: 60 },
        ],
      }),
    );

    // Act
    const put = await awsCli(
      ['s3api', 'put-bucket-cors', '--bucket', name, '--cors-configuration', `file://${file}`],
      {
        endpoint: target.endpoint,
      },
    ).finally(() => rm(file, { force: true }));
    const get = await awsCli(['s3api', 'get-bucket-cors', '--bucket', name], { endpoint: target.endpoint });

    // Assess
    expect({ code: put.code, stderr: put.stderr }).toEqual({ code: 0, stderr: '' });
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout)).toEqual({
      CORSRules: [
        { AllowedOrigins: ['https://cli.example'], AllowedMethods: ['GET', 'POST'], MaxAgeSeconds: 60 },
      ],
    });
  });
});

describe('the GetBucketCors document', () => {
  it('is S3 XML: CORSConfiguration in the S3 namespace, one CORSRule per rule', async () => {
    // Act
    const response = await rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}?cors` });

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/xml');
    expect(response.text).toContain('<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">');
    const rules = (parseXml(response.text).CORSConfiguration as { CORSRule: unknown[] }).CORSRule;
    expect(rules).toHaveLength(2);
  });
});
