import {
  ListObjectsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { parseXml, rawRequest } from '../support/e2e/http.js';
import { mapLimit } from '../support/e2e/payload.js';
import { awsCli, type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(180_000);

const KEY_COUNT = 2_500;
// Zero-padded so lexicographic order equals numeric order.
const manyKeys = Array.from({ length: KEY_COUNT }, (_, i) => `item-${String(i).padStart(5, '0')}`);
const treeKeys = ['a/1.txt', 'a/2.txt', 'a/b/3.txt', 'c/4.txt', 'top.txt', 'zeta/5.txt'];
const oddKeys = ['with space.txt', 'ünïcødé/ключ.txt', 'plus+and%percent.txt', 'tab\tkey'];

/** application/x-www-form-urlencoded decoding, as botocore's unquote_plus does it. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replaceAll('+', '%20'));
}

let target: Target;
let many: string;
let tree: string;
let odd: string;

async function putAll(bucket: string, keys: readonly string[]): Promise<void> {
  await mapLimit(keys, 32, (key) =>
    target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key })),
  );
}

beforeAll(async () => {
  target = await useTarget();
  [many, tree, odd] = await Promise.all([
    target.createBucket('many'),
    target.createBucket('tree'),
    target.createBucket('odd'),
  ]);
  await Promise.all([putAll(many, manyKeys), putAll(tree, treeKeys), putAll(odd, oddKeys)]);
});

afterAll(async () => {
  await target?.close();
});

async function listAllV2(
  bucket: string,
  maxKeys: number,
  startAfter?: string,
): Promise<ListObjectsV2CommandOutput[]> {
  const pages: ListObjectsV2CommandOutput[] = [];
  let token: string | undefined;
  do {
    const page = await target.client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        MaxKeys: maxKeys,
        ContinuationToken: token,
        StartAfter: startAfter,
      }),
    );
    pages.push(page);
    token = page.NextContinuationToken;
    if (page.IsTruncated) expect(token).toEqual(expect.any(String));
  } while (token !== undefined);
  return pages;
}

describe('ListObjectsV2 pagination', () => {
  it.each([
    [1000, 3],
    [7, Math.ceil(KEY_COUNT / 7)],
    [500, 5],
  ])('pages through 2,500 keys with max-keys %i in %i pages', async (maxKeys, pageCount) => {
    // Act
    const pages = await listAllV2(many, maxKeys);

    // Assess
    expect(pages.length).toBe(pageCount);
    expect(pages.flatMap((p) => (p.Contents ?? []).map((o) => o.Key))).toEqual(manyKeys);
    pages.forEach((page, i) => {
      const last = i === pages.length - 1;
      expect(page.IsTruncated).toBe(!last);
      expect(page.KeyCount).toBe(page.Contents?.length);
      expect(page.MaxKeys).toBe(maxKeys);
      if (last) expect(page.NextContinuationToken).toBeUndefined();
    });
  });

  it('IsTruncated is false when the last page is exactly full', async () => {
    // Act: 2,500 = 5 x 500, so the fifth page ends exactly on the last key.
    const pages = await listAllV2(many, 500);

    // Assess
    expect(pages.map((p) => [p.KeyCount, p.IsTruncated])).toEqual([
      [500, true],
      [500, true],
      [500, true],
      [500, true],
      [500, false],
    ]);
  });

  it('defaults max-keys to 1000', async () => {
    // Act
    const page = await target.client.send(new ListObjectsV2Command({ Bucket: many }));

    // Assess
    expect(page.KeyCount).toBe(1000);
    expect(page.IsTruncated).toBe(true);
    expect(page.Contents?.[999]?.Key).toBe(manyKeys[999]);
  });

  it('echoes the ContinuationToken it was given', async () => {
    // Prepare
    const first = await target.client.send(new ListObjectsV2Command({ Bucket: many, MaxKeys: 3 }));

    // Act
    const second = await target.client.send(
      new ListObjectsV2Command({ Bucket: many, MaxKeys: 3, ContinuationToken: first.NextContinuationToken }),
    );

    // Assess
    expect(second.ContinuationToken).toBe(first.NextContinuationToken);
    expect((second.Contents ?? []).map((o) => o.Key)).toEqual(manyKeys.slice(3, 6));
  });

  it('starts after StartAfter and pages from there', async () => {
    // Act
    const pages = await listAllV2(many, 1000, manyKeys[2_100]);

    // Assess
    expect(pages.flatMap((p) => (p.Contents ?? []).map((o) => o.Key))).toEqual(manyKeys.slice(2_101));
    expect(pages[0]?.StartAfter).toBe(manyKeys[2_100]);
  });

  it('reports object size, ETag and LastModified', async () => {
    // Act
    const page = await target.client.send(new ListObjectsV2Command({ Bucket: many, MaxKeys: 1 }));

    // Assess
    const [first] = page.Contents ?? [];
    expect(first?.Size).toBe(Buffer.byteLength(manyKeys[0] ?? ''));
    expect(first?.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(first?.LastModified).toBeInstanceOf(Date);
  });
});

describe('prefix and delimiter', () => {
  it('groups keys under CommonPrefixes at the delimiter', async () => {
    // Act
    const page = await target.client.send(new ListObjectsV2Command({ Bucket: tree, Delimiter: '/' }));

    // Assess
    expect((page.Contents ?? []).map((o) => o.Key)).toEqual(['top.txt']);
    expect((page.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(['a/', 'c/', 'zeta/']);
    expect(page.KeyCount).toBe(4);
  });

  it('lists one level below a prefix', async () => {
    // Act
    const page = await target.client.send(
      new ListObjectsV2Command({ Bucket: tree, Prefix: 'a/', Delimiter: '/' }),
    );

    // Assess
    expect((page.Contents ?? []).map((o) => o.Key)).toEqual(['a/1.txt', 'a/2.txt']);
    expect((page.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(['a/b/']);
    expect(page.Prefix).toBe('a/');
  });

  it('counts common prefixes toward max-keys when paging', async () => {
    // Act
    const first = await target.client.send(
      new ListObjectsV2Command({ Bucket: tree, Delimiter: '/', MaxKeys: 2 }),
    );
    const second = await target.client.send(
      new ListObjectsV2Command({
        Bucket: tree,
        Delimiter: '/',
        MaxKeys: 2,
        ContinuationToken: first.NextContinuationToken,
      }),
    );

    // Assess
    expect((first.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(['a/', 'c/']);
    expect(first.IsTruncated).toBe(true);
    expect((second.Contents ?? []).map((o) => o.Key)).toEqual(['top.txt']);
    expect((second.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(['zeta/']);
    expect(second.IsTruncated).toBe(false);
  });
});

describe('encoding-type=url', () => {
  it('URL-encodes keys in the raw XML', async () => {
    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${odd}?list-type=2&encoding-type=url`,
    });

    // Assess
    expect(response.status).toBe(200);
    const result = parseXml(response.text).ListBucketResult as {
      EncodingType?: string;
      Contents: { Key: string }[];
    };
    expect(result.EncodingType).toBe('url');
    const rawKeys = result.Contents.map((c) => c.Key);
    expect(rawKeys).toContain('with%20space.txt');
    expect(rawKeys.some((k) => /[^\x20-\x7e]/.test(k))).toBe(false);
    expect(rawKeys.map((k) => formDecode(k)).sort()).toEqual([...oddKeys].sort());
  });

  it('the SDK hands them over still encoded; form-decoding yields the exact keys', async () => {
    // Act: JS SDK v3 does not decode encoding-type=url results (botocore does, see below).
    const page = await target.client.send(new ListObjectsV2Command({ Bucket: odd, EncodingType: 'url' }));

    // Assess
    const decoded = (page.Contents ?? []).map((o) => formDecode(o.Key ?? ''));
    expect(decoded.sort()).toEqual([...oddKeys].sort());
  });

  it('aws-cli (which asks for encoding-type=url and decodes with unquote_plus) sees the exact keys', async () => {
    // Act
    const result = await awsCli(['s3api', 'list-objects-v2', '--bucket', odd, '--output', 'json'], {
      endpoint: target.endpoint,
    });

    // Assess
    expect(result).toMatchObject({ code: 0 });
    const listed = JSON.parse(result.stdout) as { Contents: { Key: string }[] };
    expect(listed.Contents.map((c) => c.Key).sort()).toEqual([...oddKeys].sort());
  });

  it('keys come back exact without encoding-type', async () => {
    // Act
    const page = await target.client.send(new ListObjectsV2Command({ Bucket: odd }));

    // Assess: keys sort by UTF-8 bytes.
    const expected = [...oddKeys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect((page.Contents ?? []).map((o) => o.Key)).toEqual(expected);
  });
});

describe('ListObjects v1', () => {
  it('pages with Marker; NextMarker absent without a delimiter', async () => {
    // Act
    const first = await target.client.send(new ListObjectsCommand({ Bucket: many, MaxKeys: 1000 }));
    const lastKey = first.Contents?.at(-1)?.Key;
    const second = await target.client.send(
      new ListObjectsCommand({ Bucket: many, MaxKeys: 1000, Marker: lastKey }),
    );

    // Assess
    expect(first.IsTruncated).toBe(true);
    expect(first.NextMarker).toBeUndefined();
    expect(lastKey).toBe(manyKeys[999]);
    expect(second.Marker).toBe(lastKey);
    expect((second.Contents ?? []).map((o) => o.Key)).toEqual(manyKeys.slice(1000, 2000));
  });

  it('returns NextMarker with a delimiter', async () => {
    // Act
    const first = await target.client.send(
      new ListObjectsCommand({ Bucket: tree, Delimiter: '/', MaxKeys: 2 }),
    );
    const second = await target.client.send(
      new ListObjectsCommand({ Bucket: tree, Delimiter: '/', MaxKeys: 2, Marker: first.NextMarker }),
    );

    // Assess
    expect(first.IsTruncated).toBe(true);
    expect(first.NextMarker).toBe('c/');
    expect((second.Contents ?? []).map((o) => o.Key)).toEqual(['top.txt']);
    expect((second.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(['zeta/']);
    expect(second.IsTruncated).toBe(false);
  });
});
