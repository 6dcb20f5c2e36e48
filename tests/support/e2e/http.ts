import { once } from 'node:events';
import { type IncomingHttpHeaders, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { expect } from '@jest/globals';
import { XMLParser } from 'fast-xml-parser';

/** A response read in full. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/**
 * Sends one HTTP request exactly as given, for what an SDK refuses to send (wrong digests, odd
 * framing, a Host header naming a virtual-host bucket). `path` includes the query string.
 */
export async function rawRequest(
  endpoint: string,
  init: { method: string; path: string; headers?: Record<string, string | number>; body?: Buffer | string },
): Promise<RawResponse> {
  const url = new URL(endpoint);
  const req = request({
    host: url.hostname,
    port: url.port,
    method: init.method,
    path: init.path,
    headers: init.headers,
    agent: false,
  });
  req.end(init.body);
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return { status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') };
}

/** Opens a plain TCP connection to the endpoint, for requests that break HTTP framing on purpose. */
export async function openSocket(endpoint: string): Promise<Socket> {
  const url = new URL(endpoint);
  const socket = connect({ host: url.hostname, port: Number(url.port) });
  await once(socket, 'connect');
  return socket;
}

/** Collects what the server writes until it closes the connection (or `socket` ends). */
export async function readUntilClosed(socket: Socket): Promise<string> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.once('error', () => resolve());
  });
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Sends `request` on a new connection to `endpoint` and parses what the server writes before it
 * closes the connection (answers to requests node's parser refuses come this way).
 */
export async function rawExchange(endpoint: string, request: string): Promise<RawResponse> {
  const socket = await openSocket(endpoint);
  socket.write(request);
  return parseRawResponse(await readUntilClosed(socket));
}

/** Status line, headers (lower-cased names) and body of one HTTP/1.1 response read as text. */
export function parseRawResponse(text: string): RawResponse {
  const split = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = Buffer.from(text.slice(split + 4), 'utf8');
  return { status: Number(statusLine.split(' ')[1]), headers, body, text: body.toString('utf8') };
}

const xml = new XMLParser({ parseTagValue: false, ignoreAttributes: true });

/** Parses an XML body into plain objects (tag values stay strings). */
export function parseXml(text: string): Record<string, unknown> {
  return xml.parse(text) as Record<string, unknown>;
}

/** The fields of an S3 `<Error>` document. */
export interface S3ErrorBody {
  Code?: string;
  Message?: string;
  Resource?: string;
  RequestId?: string;
}

/**
 * Asserts the S3 error contract on a raw response: status, XML declaration, `<Error>` with Code,
 * Message and RequestId, `Content-Type: application/xml`, and `x-amz-request-id` equal to RequestId.
 * `code` undefined accepts any code (where S3 itself does not pin one).
 */
export function expectS3Error(response: RawResponse, code: string | undefined, status: number): S3ErrorBody {
  expect({ status: response.status, body: response.text }).toMatchObject({ status });
  expect(response.headers['content-type']).toMatch(/^application\/xml/);
  expect(response.text.startsWith('<?xml')).toBe(true);
  const error = (parseXml(response.text).Error ?? {}) as S3ErrorBody;
  expect(error.Code).toEqual(code ?? expect.any(String));
  expect(error.Code?.length).toBeGreaterThan(0);
  expect(typeof error.Message).toBe('string');
  expect(error.Message?.length).toBeGreaterThan(0);
  expect(error.RequestId).toEqual(expect.any(String));
  expect(error.RequestId?.length).toBeGreaterThan(0);
  expect(response.headers['x-amz-request-id']).toBe(error.RequestId);
  return error;
}

/** What the SDK made of an S3 error: its code (`name`) and HTTP status. */
export async function sdkError(
  promise: Promise<unknown>,
): Promise<{ name: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the request to fail, it succeeded');
}
