import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutBucketCorsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type OpenedPage, openInChromium } from '../support/browser/chromium.js';
import { sdkError } from '../support/e2e/http.js';
import { type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(60_000);

// S3 from a browser, as an application's page uses it: the page comes from another origin (a small
// server of this file on its own port), so every call to S3 is cross-origin and Chromium applies
// its rules (preflights, CORS headers) for real.

/** The variable S3 replaces with the file's name. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: S3's literal syntax, not a template
const FILENAME = '${filename}';

let target: Target;
let pageServer: Server;
let pageOrigin: string;
let opened: OpenedPage;
let workDir: string;
/** What the page server answers `/form` with (set by the test that needs it). */
let formPage = '';

beforeAll(async () => {
  target = await useTarget();
  workDir = await mkdtemp(join(tmpdir(), 's3-browser-'));
  pageServer = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const body =
      path === '/form' ? formPage : `<!doctype html><title>${path === '/done' ? 'done' : 'app'}</title>`;
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(body);
  });
  pageServer.listen(0, '127.0.0.1');
  await once(pageServer, 'listening');
  const address = pageServer.address();
  if (address === null || typeof address === 'string') throw new Error('page server has no port');
  pageOrigin = `http://127.0.0.1:${address.port}`;
  opened = await openInChromium(`${pageOrigin}/`, {
    allow: (url) => url.startsWith(`${pageOrigin}/`) || url.startsWith(`${target.endpoint}/`),
  });
});

afterAll(async () => {
  await opened?.close();
  if (pageServer !== undefined) {
    pageServer.close();
    await once(pageServer, 'close');
  }
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  await target?.close();
});

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

describe('a real HTML form posting to the bucket URL', () => {
  it('uploads the chosen file and redirects back to the page origin; the SDK reads the same bytes', async () => {
    // Prepare
    const bucket = await target.createBucket('browser-form');
    const bytes = randomBytes(3000);
    const filePath = join(workDir, 'holiday photo.bin');
    await writeFile(filePath, bytes);
    const redirect = `${pageOrigin}/done`;
    const policy = Buffer.from(
      JSON.stringify({
        expiration: new Date(Date.now() + 600_000).toISOString(),
        conditions: [
          { bucket },
          ['starts-with', '$key', 'uploads/'],
          { success_action_redirect: redirect },
          ['starts-with', '$Content-Type', ''],
          ['content-length-range', 1, 10_000],
        ],
      }),
    ).toString('base64');
    const hidden = {
      key: `uploads/${FILENAME}`,
      success_action_redirect: redirect,
      'Content-Type': 'application/x-test',
      policy,
    };
    formPage =
      `<!doctype html><title>upload</title><form method="post" enctype="multipart/form-data" action="${target.endpoint}/${bucket}">` +
      Object.entries(hidden)
        .map(
          ([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
        )
        .join('') +
      '<input type="file" name="file" id="file"><button type="submit" id="send">Upload</button></form>';
    await opened.page.goto(`${pageOrigin}/form`, { waitUntil: 'load' });
    // The file input is filled as a user choosing the file does: through the chooser.
    const [chooser] = await Promise.all([
      opened.page.waitForFileChooser({ timeout: 10_000 }),
      opened.page.click('#file'),
    ]);
    await chooser.accept([filePath]);

    // Act
    await Promise.all([opened.page.waitForNavigation({ timeout: 15_000 }), opened.page.click('#send')]);
    const landed = new URL(opened.page.url());
    const got = await target.client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'uploads/holiday photo.bin' }),
    );
    const stored = Buffer.from((await got.Body?.transformToByteArray()) ?? []);

    // Assess
    expect(`${landed.origin}${landed.pathname}`).toBe(redirect);
    expect(landed.searchParams.get('bucket')).toBe(bucket);
    expect(landed.searchParams.get('key')).toBe('uploads/holiday photo.bin');
    expect(landed.searchParams.get('etag')).toBe(got.ETag);
    expect(stored.equals(bytes)).toBe(true);
    expect(got.ContentType).toBe('application/x-test');
  });
});

describe('fetch() from the page', () => {
  /** Runs a cross-origin PUT then GET in the page; what the page could see of each. */
  async function putThenGet(url: string): Promise<{ put: string; get: string; etag: string | null }> {
    await opened.page.goto(`${pageOrigin}/`, { waitUntil: 'load' });
    return opened.page.evaluate(async (objectUrl: string) => {
      const describe = (error: unknown) => `failed: ${error instanceof Error ? error.name : String(error)}`;
      let put: string;
      try {
        const response = await fetch(objectUrl, {
          method: 'PUT',
          body: 'from the page',
          headers: { 'content-type': 'text/plain' },
        });
        put = String(response.status);
      } catch (error) {
        put = describe(error);
      }
      let get: string;
      let etag: string | null = null;
      try {
        const response = await fetch(objectUrl);
        etag = response.headers.get('etag');
        get = `${response.status} ${await response.text()}`;
      } catch (error) {
        get = describe(error);
      }
      return { put, get, etag };
    }, url);
  }

  it('with CORS rules for the page origin: the PUT (after its preflight) and the GET succeed, ETag exposed', async () => {
    // Prepare
    const bucket = await target.createBucket('browser-cors');
    await target.client.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedOrigins: [pageOrigin],
              AllowedMethods: ['GET', 'PUT'],
              AllowedHeaders: ['*'],
              ExposeHeaders: ['ETag'],
            },
          ],
        },
      }),
    );

    // Act
    const seen = await putThenGet(`${target.endpoint}/${bucket}/page.txt`);
    const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'page.txt' }));

    // Assess
    expect(seen).toEqual({ put: '200', get: '200 from the page', etag: got.ETag });
    expect(await got.Body?.transformToString()).toBe('from the page');
  });

  it('without CORS rules: the browser blocks both, the page sees the failure, nothing is stored', async () => {
    // Prepare
    const bucket = await target.createBucket('browser-nocors');

    // Act
    const seen = await putThenGet(`${target.endpoint}/${bucket}/page.txt`);
    const stored = await sdkError(
      target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'page.txt' })),
    );

    // Assess
    expect(seen).toEqual({ put: 'failed: TypeError', get: 'failed: TypeError', etag: null });
    expect(stored).toEqual({ name: 'NotFound', status: 404 });
  });
});
