import type { IncomingHttpHeaders } from 'node:http';
import { createNodeTransport } from '../http/node-transport.js';
import type { StoredChecksum } from '../metadata/ports.js';
import { objectHeadersFrom, userMetadataFrom } from '../operations/object-headers.js';
import { findChecksumHeaders } from '../s3/checksums.js';
import { originAnswerForStatus, originNetworkFailure } from './origin-answers.js';
import { OriginIntegrityError } from './origin-integrity.js';
import { type OriginClient, type OriginConfig, OriginError, type OriginObject } from './ports.js';

/** The S3 error code of an XML error body (`<Code>SlowDown</Code>`), when it has one. */
const ERROR_CODE = /<Code>([^<]{1,64})<\/Code>/;

/**
 * A plain HTTP origin: `GET {endpoint}/{key}` (each key segment URL-encoded), unsigned. Over
 * node:http rather than fetch: fetch decodes a `Content-Encoding: gzip` body, and an origin's
 * stored bytes must arrive as they are (their MD5 is the ETag). `timeoutMs` and the caller's
 * signal cover headers and body.
 */
export function createHttpOriginClient(config: OriginConfig): OriginClient {
  const transport = createNodeTransport({ maxSockets: 64 });
  const target = config.endpoint;

  return {
    async get(key, { signal }) {
      const url = new URL(`${config.endpoint}/${key.split('/').map(encodeURIComponent).join('/')}`);
      let response: Awaited<ReturnType<typeof transport.send>>;
      try {
        response = await transport.send({
          method: 'GET',
          url,
          headers: { accept: '*/*' },
          timeoutMs: config.timeoutMs,
          socketTimeoutMs: config.timeoutMs,
          signal,
        });
      } catch (error) {
        if (signal.aborted) {
          throw new OriginError(
            'timeout',
            `origin ${target} gave no full answer in time`,
            {},
            { cause: error },
          );
        }
        throw originNetworkFailure(error, target);
      }
      if (response.status !== 200) {
        const code = ERROR_CODE.exec(response.body.subarray(0, 4096).toString('utf8'))?.[1];
        return originAnswerForStatus(response.status, code, target);
      }
      const announced = Number(response.headers['content-length']);
      if (Number.isFinite(announced) && announced !== response.body.length) {
        throw new OriginIntegrityError(
          `origin ${target} announced ${announced} bytes of ${key} and sent ${response.body.length}`,
        );
      }
      return { found: true, object: objectOf(response.headers, response.body) };
    },
    close: () => transport.close(),
  };
}

function objectOf(raw: IncomingHttpHeaders, body: Buffer): OriginObject {
  const headers = singleValued(raw);
  const lastModified = headers['last-modified'] ? new Date(headers['last-modified']) : undefined;
  const checksum = checksumOf(headers);
  return {
    body,
    ...(headers.etag ? { etag: headers.etag } : {}),
    ...(lastModified && !Number.isNaN(lastModified.getTime()) ? { lastModified } : {}),
    headers: objectHeadersFrom(headers),
    userMetadata: userMetadataFrom(headers),
    ...(checksum ? { checksum } : {}),
  };
}

function singleValued(headers: IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers))
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

function checksumOf(headers: Record<string, string | undefined>): StoredChecksum | undefined {
  const found = findChecksumHeaders(headers).find((header) => header.algorithm !== undefined);
  if (!found?.algorithm) return undefined;
  const type = headers['x-amz-checksum-type'];
  return {
    algorithm: found.algorithm,
    value: found.value,
    type:
      type === 'COMPOSITE' || (type === undefined && /-\d+$/.test(found.value)) ? 'COMPOSITE' : 'FULL_OBJECT',
  };
}
