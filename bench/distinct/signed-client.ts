/**
 * The distinct-key suite's raw client: the drills' lean HTTP/1.1 pool (tools/load/clients/http1-pool.ts,
 * so the client costs each target the same few µs of the two cores) with a real SigV4 signature on
 * every request. Path-style, one bucket. Every call rejects unless the answer is the 200 it expects.
 */
import { Http1Pool, type HttpExchange } from '../../tools/load/clients/http1-pool.js';
import { EMPTY_PAYLOAD_SHA256, SigV4Signer, uriEncode } from '../client/sigv4.js';

const REQUEST_TIMEOUT_MS = 30_000;

/** One page of ListObjectsV2: how many keys it named and where the next one starts. */
export interface ListPage {
  readonly keyCount: number;
  readonly nextContinuationToken?: string;
}

export class SignedS3Client {
  private readonly pool: Http1Pool;
  private readonly signer: SigV4Signer;
  private readonly bucketPath: string;

  constructor(baseUrl: string, bucket: string) {
    const url = new URL(baseUrl);
    if (url.hostname !== '127.0.0.1')
      throw new Error(`benchmark traffic stays on loopback, not ${url.hostname}`);
    this.pool = new Http1Pool(url.hostname, Number(url.port), REQUEST_TIMEOUT_MS);
    this.signer = new SigV4Signer(url.host);
    this.bucketPath = `/${uriEncode(bucket, false)}`;
  }

  /** CreateBucket; a bucket this client already owns counts as created. */
  async createBucket(): Promise<void> {
    const exchange = await this.send('PUT', this.bucketPath, [], EMPTY_PAYLOAD_SHA256);
    if (exchange.status === 409 && /BucketAlreadyOwnedByYou/.test(exchange.body?.toString() ?? '')) return;
    expect200(exchange, `PUT ${this.bucketPath}`);
  }

  /** PutObject of `body`, whose SHA-256 (hex) the caller computed once. */
  async putObject(key: string, body: Buffer, bodySha256: string): Promise<void> {
    const path = this.objectPath(key);
    expect200(await this.send('PUT', path, [], bodySha256, body), `PUT ${path}`);
  }

  /** GetObject; rejects unless the body has `expectedBytes`. Resolves with the body. */
  async getObject(key: string, expectedBytes: number): Promise<Buffer> {
    const path = this.objectPath(key);
    const exchange = await this.send('GET', path, [], EMPTY_PAYLOAD_SHA256);
    expect200(exchange, `GET ${path}`);
    const length = exchange.body?.length ?? 0;
    if (length !== expectedBytes) throw new Error(`GET ${path}: ${length} bytes, expected ${expectedBytes}`);
    return exchange.body!;
  }

  /** One page of ListObjectsV2 (S3's default page of up to 1,000 keys). */
  async listPage(prefix: string, continuationToken?: string): Promise<ListPage> {
    const query: [string, string][] = [
      ['list-type', '2'],
      ['prefix', prefix],
    ];
    if (continuationToken !== undefined) query.push(['continuation-token', continuationToken]);
    const exchange = await this.send('GET', this.bucketPath, query, EMPTY_PAYLOAD_SHA256);
    expect200(exchange, `LIST ${prefix}`);
    const xml = exchange.body?.toString('utf8') ?? '';
    let keyCount = 0;
    for (let at = xml.indexOf('<Key>'); at >= 0; at = xml.indexOf('<Key>', at + 5)) keyCount++;
    const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
    const token = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1];
    if (truncated && token === undefined) throw new Error(`LIST ${prefix}: truncated without a token`);
    return { keyCount, nextContinuationToken: truncated ? unescapeXml(token!) : undefined };
  }

  close(): void {
    this.pool.close();
  }

  private objectPath(key: string): string {
    return `${this.bucketPath}/${uriEncode(key, true)}`;
  }

  private send(
    method: string,
    path: string,
    query: readonly (readonly [string, string])[],
    payloadHash: string,
    body?: Buffer,
  ): Promise<HttpExchange> {
    const signed = this.signer.sign({ method, path, query, payloadHash });
    const headerLines =
      body === undefined
        ? signed.headerLines
        : `${signed.headerLines}content-type: application/octet-stream\r\n`;
    return this.pool.send(method, signed.target, headerLines, body);
  }
}

function expect200(exchange: HttpExchange, what: string): void {
  if (exchange.status === 200) return;
  const detail =
    exchange.transportError ??
    `HTTP ${exchange.status} ${exchange.body?.toString('utf8').slice(0, 300) ?? ''}`;
  throw new Error(`${what}: ${detail}`);
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
