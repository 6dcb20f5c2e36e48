import { Agent, request } from 'node:http';

const REQUEST_TIMEOUT_MS = 30_000;

/** Where and how one benchmark request goes; header objects are reused across requests. */
export interface S3Request {
  readonly method: 'PUT' | 'GET';
  readonly path: string;
  readonly headers: Record<string, string | number>;
  /** Body of a PUT; absent for GET. */
  readonly body?: Buffer;
  /** For a GET, the body length that counts as a correct answer. */
  readonly expectedBytes?: number;
}

/** Endpoint of a target as node:http wants it: host, port and a keep-alive agent. */
export interface Endpoint {
  readonly hostname: string;
  readonly port: number;
  readonly agent: Agent;
}

/** A keep-alive endpoint for `baseUrl`; destroy its agent when the phase is over. */
export function openEndpoint(baseUrl: string, maxSockets: number): Endpoint {
  const url = new URL(baseUrl);
  if (url.hostname !== '127.0.0.1')
    throw new Error(`benchmark traffic stays on loopback, not ${url.hostname}`);
  return {
    hostname: url.hostname,
    port: Number(url.port),
    agent: new Agent({ keepAlive: true, maxSockets }),
  };
}

/**
 * Sends one request and resolves once the whole response is read. Anything but a 200 whose body has
 * the expected length rejects, with the status and the start of the body in the message.
 */
export function sendS3Request(endpoint: Endpoint, s3Request: S3Request): Promise<void> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        hostname: endpoint.hostname,
        port: endpoint.port,
        agent: endpoint.agent,
        method: s3Request.method,
        path: s3Request.path,
        headers: s3Request.headers,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (response) => {
        let received = 0;
        let errorBody = '';
        const failed = response.statusCode !== 200;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (failed && errorBody.length < 300) errorBody += chunk.toString('utf8');
        });
        response.on('error', reject);
        response.on('end', () => {
          if (failed) {
            reject(
              new Error(`${s3Request.method} ${s3Request.path}: HTTP ${response.statusCode} ${errorBody}`),
            );
          } else if (s3Request.expectedBytes !== undefined && received !== s3Request.expectedBytes) {
            reject(
              new Error(`GET ${s3Request.path}: ${received} bytes, expected ${s3Request.expectedBytes}`),
            );
          } else {
            resolve();
          }
        });
      },
    );
    outgoing.on('timeout', () =>
      outgoing.destroy(new Error(`${s3Request.method} ${s3Request.path}: timeout`)),
    );
    outgoing.on('error', reject);
    outgoing.end(s3Request.body);
  });
}
