import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type RawResponse, rawRequest } from '../support/e2e/http.js';
import { uniqueBucketName } from '../support/e2e/payload.js';
import { type EmbeddedServer, s3Client, startEmbeddedServer } from '../support/e2e/server.js';

jest.setTimeout(120_000);

/** A name of this machine the operator allowed (ADMIN_ALLOWED_HOSTS). */
const ALLOWED_NAME = 'drills.example.test';
const RULE = JSON.stringify({ match: { service: 's3-api' }, fault: { type: 'latency', ms: 1 } });

let server: EmbeddedServer;
let bucket: string;

beforeAll(async () => {
  server = await startEmbeddedServer({ env: { ADMIN_ALLOWED_HOSTS: `${ALLOWED_NAME},other.example.test` } });
  bucket = uniqueBucketName('guard');
  const client = s3Client(server.endpoint);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
});

afterAll(async () => {
  await server?.stop();
});

/** One call to the control plane, as a browser, curl or a rebinding page would send it. */
function control(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawResponse> {
  return rawRequest(server.adminEndpoint, {
    method,
    path,
    headers: { host: `127.0.0.1:${server.adminPort}`, ...headers },
    ...(body === undefined ? {} : { body }),
  });
}

async function ruleCount(): Promise<number> {
  const answer = await control('GET', '/api/v1/injection/rules');
  return (JSON.parse(answer.text) as { rules: unknown[] }).rules.length;
}

async function bucketExists(): Promise<boolean> {
  const client = s3Client(server.endpoint);
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

function errorOf(answer: RawResponse): { code: string; message: string; requestId: string } {
  return (JSON.parse(answer.text) as { error: { code: string; message: string; requestId: string } }).error;
}

describe('cross-site calls to mutating control-plane routes are refused', () => {
  it('a page posting text/plain with a foreign Origin cannot reset the server', async () => {
    // Act
    const answer = await control('POST', '/api/v1/admin/reset', {
      'content-type': 'text/plain',
      origin: 'https://attacker.example',
    });

    // Assess
    expect(answer.status).toBe(403);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(errorOf(answer).code).toBe('ForbiddenOrigin');
    expect(errorOf(answer).requestId).toMatch(/^[0-9A-F]{16}$/);
    expect(await bucketExists()).toBe(true);
  });

  it('a rule sent as text/plain (a simple request) is refused with 415 and not added', async () => {
    // Act
    const answer = await control('POST', '/api/v1/injection/rules', { 'content-type': 'text/plain' }, RULE);
    const form = await control(
      'POST',
      '/api/v1/injection/rules',
      { 'content-type': 'application/x-www-form-urlencoded' },
      RULE,
    );
    const untyped = await control('POST', '/api/v1/injection/rules', {}, RULE);

    // Assess
    expect([answer.status, form.status, untyped.status]).toEqual([415, 415, 415]);
    expect(errorOf(answer).code).toBe('UnsupportedMediaType');
    expect(await ruleCount()).toBe(0);
  });

  it('a JSON call from a foreign Origin is refused; from the control plane’s own origin it passes', async () => {
    // Act
    const foreign = await control(
      'POST',
      '/api/v1/injection/rules',
      { 'content-type': 'application/json', origin: 'http://localhost:3000' },
      RULE,
    );
    const nullOrigin = await control('PUT', '/api/v1/config/http.retries', {
      'content-type': 'application/json',
      origin: 'null',
    });
    const own = await control(
      'POST',
      '/api/v1/injection/rules',
      {
        'content-type': 'application/json; charset=utf-8',
        origin: `http://127.0.0.1:${server.adminPort}`,
      },
      RULE,
    );

    // Assess
    expect([foreign.status, nullOrigin.status]).toEqual([403, 403]);
    expect(errorOf(foreign).code).toBe('ForbiddenOrigin');
    expect(own.status).toBe(201);
    expect(await ruleCount()).toBe(1);
    expect((await control('DELETE', '/api/v1/injection/rules')).status).toBe(200);
  });

  it('a DNS-rebinding page (a foreign Host) is refused; a name in ADMIN_ALLOWED_HOSTS passes', async () => {
    // Act
    const rebound = await control('POST', '/api/v1/injection/disable-all', {
      host: `rebind.attacker.example:${server.adminPort}`,
    });
    const allowed = await control('POST', '/api/v1/injection/enable', {
      host: `${ALLOWED_NAME}:${server.adminPort}`,
      origin: `http://${ALLOWED_NAME}:${server.adminPort}`,
    });

    // Assess
    expect(rebound.status).toBe(403);
    expect(errorOf(rebound).code).toBe('ForbiddenHost');
    expect(allowed.status).toBe(200);
    const status = JSON.parse((await control('GET', '/api/v1/injection/status')).text) as {
      killSwitch: boolean;
    };
    expect(status.killSwitch).toBe(false);
  });

  it('curl and the CLI still work: a body-less POST with no Content-Type, views from anywhere', async () => {
    // Act
    const killSwitch = await control('POST', '/api/v1/injection/disable-all');
    const enable = await control('POST', '/api/v1/injection/enable', {
      host: `localhost:${server.adminPort}`,
    });
    const view = await control('GET', '/api/v1/injection/status', { origin: 'https://dashboard.example' });

    // Assess
    expect([killSwitch.status, enable.status, view.status]).toEqual([200, 200, 200]);
  });

  it('the S3 plane is not guarded: a browser-style upload with an Origin is served', async () => {
    // Act
    const client = s3Client(server.endpoint);
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = (args as { request?: { headers?: Record<string, string> } }).request;
        if (request?.headers) request.headers.origin = 'https://app.example';
        return next(args);
      },
      { step: 'build', name: 'browserOrigin' },
    );
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
    client.destroy();

    // Assess
    expect(put.$metadata.httpStatusCode).toBe(200);
  });
});

describe('HOST beyond loopback', () => {
  /** The parsed JSON log lines of a server's output. */
  function logLines(output: string): Record<string, unknown>[] {
    return output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it('HOST=0.0.0.0 logs one warning naming the address and both planes; loopback logs none', async () => {
    // Prepare
    const exposed = await startEmbeddedServer({ env: { HOST: '0.0.0.0' } });

    // Act
    const warnings = logLines(exposed.logs()).filter((line) =>
      String(line.message).includes('HOST is not loopback'),
    );
    await exposed.stop();

    // Assess
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: 'warn',
      host: '0.0.0.0',
      s3: `http://0.0.0.0:${exposed.port}`,
      control_plane: `http://0.0.0.0:${exposed.adminPort}`,
      exposed: ['s3', 'control_plane'],
    });
    expect(
      logLines(server.logs()).filter((line) => String(line.message).includes('HOST is not loopback')),
    ).toEqual([]);
  });
});
