/**
 * The `raw` load client: a lean keep-alive HTTP/1.1 client (http1-pool.ts), path-style and
 * unsigned (mock-s3 accepts any or no signature). One attempt per operation, no retries; it never
 * throws for an S3 or network error, it answers with the status and code. Every request is bounded
 * by a timeout.
 */
import type { ClientAnswer, GetAnswer, ListAnswer, PutAnswer, S3LoadClient } from '../types.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, type LoadClientOptions, requestIdOf } from './client-options.js';
import { deleteEveryObject } from './delete-every-object.js';
import { Http1Pool, type HttpExchange } from './http1-pool.js';

type Exchange = HttpExchange;

/**
 * A SigV4-shaped Authorization that signs nothing. mock-s3 accepts any or no signature; emulators
 * that only look for the header (moto answers an anonymous GET 403) accept this one, and a real
 * S3 refuses it, as it would refuse no signature.
 */
const SIGNATURE_LINES =
  'authorization: AWS4-HMAC-SHA256 Credential=mock-s3-load/20240101/us-east-1/s3/aws4_request, ' +
  'SignedHeaders=host, Signature=0\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\n';

/** Encodes a key for a path-style URL: every segment escaped, the slashes kept. */
export function encodeKeyPath(key: string): string {
  // The generator's own keys (`<prefix>k<n>`) need no escaping: skip the split on the hot path.
  if (UNRESERVED_PATH.test(key)) return key;
  return key.split('/').map(encodeURIComponent).join('/');
}

const UNRESERVED_PATH = /^[A-Za-z0-9\-._~/]*$/;

const XML_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
    return XML_ENTITIES[entity] ?? whole;
  });
}

function xmlValue(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return match === null ? undefined : unescapeXml(match[1]!);
}

/** The S3 error code of an answer: the XML `<Code>`, else one named after the status (HEAD has no body). */
function errorCodeOf(exchange: Exchange): string {
  if (exchange.transportError !== undefined) return exchange.transportError;
  const code = exchange.body === undefined ? undefined : xmlValue(exchange.body.toString('utf8'), 'Code');
  if (code !== undefined) return code;
  if (exchange.status === 404) return 'NoSuchKey';
  return `Http${exchange.status ?? ''}`;
}

function requestIdsOf(exchange: Exchange): string[] {
  const id = requestIdOf(exchange.headers);
  return typeof id === 'string' ? [id] : [];
}

function answerOf(exchange: Exchange): ClientAnswer {
  const status = exchange.status;
  const ok = status !== undefined && status >= 200 && status < 300;
  return {
    ok,
    status,
    errorCode: ok ? undefined : errorCodeOf(exchange),
    requestIds: requestIdsOf(exchange),
    attempts: 1,
  };
}

class RawLoadClient implements S3LoadClient {
  readonly kind = 'raw' as const;
  private readonly pool: Http1Pool;

  constructor(target: string, options: LoadClientOptions) {
    const url = new URL(target);
    if (url.protocol !== 'http:') throw new Error(`the raw client speaks http only, not ${url.protocol}`);
    this.pool = new Http1Pool(
      url.hostname,
      url.port === '' ? 80 : Number(url.port),
      options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    );
  }

  /** One request; resolves (never rejects) once the whole answer is read or the time bound passed. */
  private exchange(method: string, path: string, headerLines = '', body?: Buffer): Promise<Exchange> {
    return this.pool.send(
      method,
      path,
      headerLines === '' ? SIGNATURE_LINES : SIGNATURE_LINES + headerLines,
      body,
    );
  }

  private objectPath(bucket: string, key: string): string {
    return `/${encodeURIComponent(bucket)}/${encodeKeyPath(key)}`;
  }

  async putObject(bucket: string, key: string, body: Buffer): Promise<PutAnswer> {
    const exchange = await this.exchange('PUT', this.objectPath(bucket, key), '', body);
    const etag = exchange.headers?.etag;
    return { ...answerOf(exchange), etag: typeof etag === 'string' ? etag : undefined };
  }

  async getObject(bucket: string, key: string): Promise<GetAnswer> {
    const exchange = await this.exchange('GET', this.objectPath(bucket, key));
    const answer = answerOf(exchange);
    return answer.ok ? { ...answer, body: exchange.body } : answer;
  }

  async headObject(bucket: string, key: string): Promise<ClientAnswer> {
    return answerOf(await this.exchange('HEAD', this.objectPath(bucket, key)));
  }

  async listObjects(bucket: string, prefix: string, continuationToken?: string): Promise<ListAnswer> {
    const query = new URLSearchParams({ 'list-type': '2', prefix });
    if (continuationToken !== undefined) query.set('continuation-token', continuationToken);
    const exchange = await this.exchange('GET', `/${encodeURIComponent(bucket)}?${query.toString()}`);
    const answer = answerOf(exchange);
    if (!answer.ok) return { ...answer, keys: [] };
    const xml = exchange.body?.toString('utf8') ?? '';
    const keys = [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => unescapeXml(match[1]!));
    const truncated = xmlValue(xml, 'IsTruncated') === 'true';
    return {
      ...answer,
      keys,
      nextContinuationToken: truncated ? xmlValue(xml, 'NextContinuationToken') : undefined,
    };
  }

  async deleteObject(bucket: string, key: string): Promise<ClientAnswer> {
    return answerOf(await this.exchange('DELETE', this.objectPath(bucket, key)));
  }

  async copyObject(bucket: string, sourceKey: string, key: string): Promise<PutAnswer> {
    const exchange = await this.exchange(
      'PUT',
      this.objectPath(bucket, key),
      `x-amz-copy-source: ${this.objectPath(bucket, sourceKey)}\r\n`,
    );
    return this.completedWrite(exchange);
  }

  /**
   * CopyObject and CompleteMultipartUpload can answer 200 with an `<Error>` body: S3 reports a
   * failure that happened after the status line was sent there.
   * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
   */
  private completedWrite(exchange: Exchange): PutAnswer {
    const answer = answerOf(exchange);
    if (!answer.ok) return answer;
    const xml = exchange.body?.toString('utf8') ?? '';
    if (/<Error>/.test(xml))
      return { ...answer, ok: false, errorCode: xmlValue(xml, 'Code') ?? 'InternalError' };
    return { ...answer, etag: xmlValue(xml, 'ETag') };
  }

  async multipartUpload(bucket: string, key: string, body: Buffer, partSize: number): Promise<PutAnswer> {
    const path = this.objectPath(bucket, key);
    const requestIds: string[] = [];
    const created = await this.exchange('POST', `${path}?uploads`);
    requestIds.push(...requestIdsOf(created));
    const uploadId = xmlValue(created.body?.toString('utf8') ?? '', 'UploadId');
    if (!answerOf(created).ok || uploadId === undefined) {
      return { ...answerOf(created), ok: false, errorCode: errorCodeOf(created), requestIds };
    }
    const uploadQuery = `uploadId=${encodeURIComponent(uploadId)}`;
    const parts: string[] = [];
    for (let offset = 0, number = 1; offset < body.length || number === 1; offset += partSize, number++) {
      const part = body.subarray(offset, offset + partSize);
      const uploaded = await this.exchange('PUT', `${path}?partNumber=${number}&${uploadQuery}`, '', part);
      requestIds.push(...requestIdsOf(uploaded));
      const etag = uploaded.headers?.etag;
      if (!answerOf(uploaded).ok || typeof etag !== 'string') {
        await this.exchange('DELETE', `${path}?${uploadQuery}`);
        return { ...answerOf(uploaded), ok: false, errorCode: errorCodeOf(uploaded), requestIds };
      }
      parts.push(`<Part><PartNumber>${number}</PartNumber><ETag>${etag}</ETag></Part>`);
    }
    const xml = Buffer.from(`<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>`);
    const completed = await this.exchange(
      'POST',
      `${path}?${uploadQuery}`,
      'content-type: application/xml\r\n',
      xml,
    );
    requestIds.push(...requestIdsOf(completed));
    return { ...this.completedWrite(completed), requestIds, attempts: 1 };
  }

  async createBucket(bucket: string): Promise<ClientAnswer> {
    return answerOf(await this.exchange('PUT', `/${encodeURIComponent(bucket)}`));
  }

  async emptyAndDeleteBucket(bucket: string): Promise<ClientAnswer> {
    const failed = await deleteEveryObject(this, bucket);
    if (failed !== undefined) return failed;
    return answerOf(await this.exchange('DELETE', `/${encodeURIComponent(bucket)}`));
  }

  async close(): Promise<void> {
    this.pool.close();
  }
}

/** The `raw` client against `target` (an `http://host:port` S3 endpoint). */
export function createRawClient(target: string, options: LoadClientOptions = {}): S3LoadClient {
  return new RawLoadClient(target, options);
}
