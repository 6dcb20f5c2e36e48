import type { Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { XMLParser } from 'fast-xml-parser';
import { createEmbeddedGateway } from '../../../gateway/embedded/embedded-gateway.js';
import { createSocketFaultFront, type SocketFaultFront } from '../../../gateway/front/socket-fault-front.js';
import { createFaultEngine } from '../../../shared/faults/engine.js';
import { systemClock } from '../../../shared/runtime/clock.js';
import { silentLogger } from '../../../shared/telemetry/logger.js';
import { parseRawResponse, type RawResponse } from '../../support/e2e/http.js';

// Requests node's HTTP parser refuses before any route sees them, on every listener that owns a
// client socket: the embedded gateway's two planes and the stack's socket-fault front.

/** Writes `request` on a new connection and parses what the server writes before closing it. */
function exchange(port: number, request: string): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const done = () => resolve(parseRawResponse(Buffer.concat(chunks).toString('utf8')));
    socket.on('close', done);
    socket.on('error', done);
  });
}

const xml = new XMLParser({ parseTagValue: false });

function s3ErrorOf(answer: RawResponse): Record<string, string> {
  expect(answer.headers['content-type']).toBe('application/xml');
  expect(answer.text.startsWith('<?xml')).toBe(true);
  const error = (xml.parse(answer.text) as { Error: Record<string, string> }).Error;
  expect(error.RequestId).toMatch(/^[0-9A-F]{16}$/);
  expect(answer.headers['x-amz-request-id']).toBe(error.RequestId);
  expect(answer.headers.connection).toBe('close');
  expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.text));
  return error;
}

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

describe('answers to requests the HTTP parser refuses', () => {
  let planes: { s3: Server; control: Server };
  let front: SocketFaultFront;
  const ports: Record<'embedded' | 'front' | 'control', number> = { embedded: 0, front: 0, control: 0 };

  beforeAll(async () => {
    planes = createEmbeddedGateway({
      routes: [],
      handlers: new Map(),
      logger: silentLogger,
      maxBodyBytes: 1024,
      bodyIdleTimeoutMs: 1000,
    });
    front = createSocketFaultFront({
      // Nothing is forwarded: every request here is refused before the front would.
      upstream: new URL('http://127.0.0.1:9/'),
      engine: createFaultEngine({ clock: systemClock, enabled: false, maxTtlMs: 60_000 }),
      logger: silentLogger,
      maxBodyBytes: 1024,
      s3Domain: 'localhost',
    });
    ports.embedded = await listen(planes.s3);
    ports.control = await listen(planes.control);
    ports.front = await listen(front.server);
  });

  afterAll(async () => {
    await front.close();
    await Promise.all(
      [planes.s3, planes.control].map((server) => new Promise((resolve) => server.close(resolve))),
    );
  });

  describe.each(['embedded', 'front'] as const)('%s S3 listener', (listener) => {
    it('an unknown method (BREW) is 405 MethodNotAllowed naming the method', async () => {
      // Act
      const answer = await exchange(ports[listener], 'BREW /pot/coffee HTTP/1.1\r\nHost: localhost\r\n\r\n');

      // Assess
      expect(answer.status).toBe(405);
      expect(s3ErrorOf(answer)).toMatchObject({ Code: 'MethodNotAllowed', Method: 'BREW' });
    });

    it('a header name with a space is 400 InvalidRequest', async () => {
      // Act
      const answer = await exchange(ports[listener], 'GET /b/k HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n');

      // Assess
      expect(answer.status).toBe(400);
      expect(s3ErrorOf(answer).Code).toBe('InvalidRequest');
    });

    it('a refused HEAD gets the error status and headers but no body', async () => {
      // Act
      const answer = await exchange(
        ports[listener],
        'HEAD /b/k HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n',
      );

      // Assess
      expect(answer.status).toBe(400);
      expect(answer.headers['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
      expect(answer.headers['content-length']).toBe('0');
      expect(answer.text).toBe('');
    });

    it('a header section over 16 KiB is 400 RequestHeaderSectionTooLarge', async () => {
      // Act
      const answer = await exchange(
        ports[listener],
        `GET /b/k HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
      );

      // Assess
      expect(answer.status).toBe(400);
      expect(s3ErrorOf(answer).Code).toBe('RequestHeaderSectionTooLarge');
    });

    it('a control character in the request target is 400 InvalidURI', async () => {
      // Act
      const answer = await exchange(ports[listener], 'GET /b/a\u0001b HTTP/1.1\r\nHost: x\r\n\r\n');

      // Assess
      expect(answer.status).toBe(400);
      expect(s3ErrorOf(answer).Code).toBe('InvalidURI');
    });
  });

  it('the control plane answers in its own JSON format, with the request id', async () => {
    // Act
    const answer = await exchange(ports.control, 'BREW /api/v1/rules HTTP/1.1\r\nHost: localhost\r\n\r\n');

    // Assess
    expect(answer.status).toBe(405);
    expect(answer.headers['content-type']).toBe('application/json');
    const body = JSON.parse(answer.text) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe('MethodNotAllowed');
    expect(answer.headers['x-amz-request-id']).toBe(body.error.requestId);
    expect(answer.headers.connection).toBe('close');
  });
});
