import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type OpenedPage, openInChromium } from '../support/browser/chromium.js';
import { type FaultTarget, failureOf, startFaultServer } from '../support/e2e/faults.js';
import { putOrigin } from '../support/e2e/origins.js';

/** Where CI keeps the screenshot (artifacts/ is ignored by git; DASHBOARD_ARTIFACTS_DIR moves it). */
const ARTIFACTS_DIR = resolve(process.env.DASHBOARD_ARTIFACTS_DIR ?? 'artifacts');
/** The promise: a rule added through the API is on the page within 2 s. */
const RULE_SHOWN_WITHIN_MS = 2000;
/** Requests of the load that must move the charts (PUT and GET pairs). */
const LOAD_PAIRS = 60;
/** Where firings link their traces (Jaeger's query API). */
const TRACE_LINK_TEMPLATE = 'http://127.0.0.1:16686/api/traces/{trace_id}';

// The dashboard in Debian's chromium against an embedded server of its own (faults on), every
// request outside its control plane refused.
describe('the dashboard in a headless browser', () => {
  let target: FaultTarget;
  let opened: OpenedPage;
  let bucket: string;
  /** While set, the page's reads of the hit log get these firings instead of the server's. */
  let fakeFirings: unknown[] | undefined;
  /** While set, the page's reads of the origins get these instead of the server's. */
  let fakeOrigins: unknown[] | undefined;

  beforeAll(async () => {
    target = await startFaultServer({ env: { TRACE_LINK_TEMPLATE } });
    bucket = await target.createBucket('dashboard');
    const origin = target.adminEndpoint;
    opened = await openInChromium(`${origin}/`, {
      allow: (url) => url.startsWith(`${origin}/`),
      answer: (url) =>
        fakeFirings !== undefined && url.startsWith(`${origin}/api/v1/injection/events`)
          ? { status: 200, contentType: 'application/json', body: JSON.stringify({ events: fakeFirings }) }
          : fakeOrigins !== undefined && url === `${origin}/api/v1/origins`
            ? { status: 200, contentType: 'application/json', body: JSON.stringify({ origins: fakeOrigins }) }
            : undefined,
      viewport: { width: 1280, height: 1400 },
    });
  });

  afterAll(async () => {
    if (opened !== undefined) {
      await mkdir(ARTIFACTS_DIR, { recursive: true });
      await opened.page.screenshot({ path: resolve(ARTIFACTS_DIR, 'dashboard.png'), fullPage: true });
      await opened.close();
    }
    await target?.close();
  });

  it('renders every part of the system from GET / on the control plane', async () => {
    // Act
    // A string: the expression runs in the page (the tests' types have no DOM).
    await opened.page.waitForFunction("document.querySelectorAll('#nodes-body tr[data-node]').length === 3", {
      timeout: 10_000,
    });
    const parts = await opened.page.$$eval('#health-list li', (items) =>
      items.map((item) => item.getAttribute('data-part')),
    );
    const nodes = await opened.page.$$eval('#nodes-body tr', (rows) =>
      rows.map((row) => row.getAttribute('data-node')),
    );
    // Assess
    expect(await opened.page.title()).toBe('mock-s3 dashboard');
    expect(parts).toEqual(['control plane', 'metadata', 'task queue', 'storage nodes', 'metrics']);
    expect(nodes).toEqual(['node-1', 'node-2', 'node-3']);
  });

  it('shows a rule added through the API within 2 s, with its hits', async () => {
    // Prepare
    const rule = await target.faults.addRule({
      scenario: 'dashboard-drill',
      match: { point: 'http.server', operation: 'HeadObject', bucket },
      fault: { type: 's3_error', code: 'SlowDown' },
    });
    const added = Date.now();
    // Act
    await opened.page.waitForSelector(`#rules-body tr[data-rule="${rule.id}"]`, {
      timeout: RULE_SHOWN_WITHIN_MS,
    });
    const shownAfterMs = Date.now() - added;
    // Assess
    expect(shownAfterMs).toBeLessThan(RULE_SHOWN_WITHIN_MS);
    expect(await opened.page.$eval('#scenarios-body', (body) => body.textContent)).toContain(
      'dashboard-drill',
    );
  });

  it("deletes one rule with its row's button", async () => {
    // Prepare
    const rule = await target.faults.addRule({
      match: { point: 'http.server', operation: 'ListObjectsV2', bucket },
      fault: { type: 'latency', ms: 1 },
    });
    const button = await opened.page.waitForSelector(`button.remove-rule[data-rule="${rule.id}"]`, {
      timeout: 5000,
    });
    // Act
    await button!.click();
    await opened.page.waitForSelector(`#rules-body tr[data-rule="${rule.id}"]`, {
      hidden: true,
      timeout: 5000,
    });
    // Assess
    expect((await target.faults.listRules()).map((r) => r.id)).not.toContain(rule.id);
  });

  it('turns every fault off with its kill switch: a GetObject through the SDK then succeeds', async () => {
    // Prepare
    await target.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'kill-switch', Body: 'still here' }),
    );
    const rule = await target.faults.addRule({
      match: { point: 'http.server', operation: 'GetObject', bucket },
      fault: { type: 's3_error', code: 'InternalError' },
    });
    const failure = await failureOf(
      target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'kill-switch' })),
    );
    expect(failure.name).toBe('InternalError');
    await opened.page.waitForSelector(`#rules-body tr[data-rule="${rule.id}"]`, { timeout: 5000 });
    // Act
    await opened.page.click('#kill-switch');
    await opened.page.waitForFunction(
      "document.getElementById('fault-status').textContent.startsWith('faults off')",
      {
        timeout: 5000,
      },
    );
    const object = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'kill-switch' }));
    // Assess
    expect(await object.Body!.transformToString()).toBe('still here');
    expect((await target.faults.status()).killSwitch).toBe(true);
    expect(await opened.page.$eval('#fault-message', (element) => element.textContent)).toBe(
      'kill switch: done',
    );
  });

  it('moves the charts under load', async () => {
    // Prepare: a bucket of its own, out of the other tests' rules
    const loadBucket = await target.createBucket('dashboard-load');
    const requestsShown = () =>
      opened.page.$eval('#charts', (charts) => Number(charts.getAttribute('data-requests') ?? 0));
    const allLine = () =>
      opened.page.$eval('figure[data-chart="throughput"] path.series[data-series="all"]', (path) =>
        path.getAttribute('d'),
      );
    await opened.page.waitForSelector('figure[data-chart="throughput"]', { timeout: 5000 });
    const before = await requestsShown();
    const lineBefore = await allLine().catch(() => null);
    // Act: a bounded load on loopback
    for (let i = 0; i < LOAD_PAIRS; i++) {
      await target.client.send(
        new PutObjectCommand({ Bucket: loadBucket, Key: `load-${i}`, Body: `body ${i}` }),
      );
      // Read to the end: an unread body keeps its connection, and the pool runs dry.
      const object = await target.client.send(new GetObjectCommand({ Bucket: loadBucket, Key: `load-${i}` }));
      await object.Body!.transformToString();
    }
    await opened.page.waitForFunction(
      `Number(document.getElementById('charts').dataset.requests) >= ${before + 2 * LOAD_PAIRS}`,
      { timeout: 15_000 },
    );
    // Assess
    expect(await requestsShown()).toBeGreaterThanOrEqual(before + 2 * LOAD_PAIRS);
    expect(await allLine()).not.toEqual(lineBefore);
    const series = await opened.page.$$eval('figure[data-chart="throughput"] path.series', (paths) =>
      paths.map((path) => path.getAttribute('data-series')),
    );
    expect(series).toEqual(expect.arrayContaining(['all', 'PutObject', 'GetObject']));
  });

  it('links a firing to its trace, and shows what the server sends as text, never as markup', async () => {
    // Prepare: a firing as a traced request records it (trace ids come from the request's span)
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const hostile = '<img src=x onerror=alert(1)>';
    fakeFirings = [
      {
        time: new Date().toISOString(),
        ruleId: hostile,
        scenario: 'traced',
        point: 'http.server',
        type: 's3_error',
        service: 's3-api',
        operation: 'GetObject',
        traceId,
        spanId: '00f067aa0ba902b7',
      },
    ];
    try {
      // Act
      const link = await opened.page.waitForSelector('#firings a.trace', { timeout: 5000 });
      const href = await link!.evaluate((a) => a.getAttribute('href'));
      const text = await opened.page.$eval('#firings li', (item) => item.textContent);
      const images = await opened.page.$$eval('#firings img', (elements) => elements.length);
      // Assess
      expect(href).toBe(`http://127.0.0.1:16686/api/traces/${traceId}`);
      expect(text).toContain(hostile);
      expect(images).toBe(0);
      expect(opened.dialogs).toEqual([]);
    } finally {
      fakeFirings = undefined;
    }
  });

  it('shows an origin set through the API in the Origins panel, never its credentials', async () => {
    // Prepare
    const secret = 'dashboard-origin-secret';
    await opened.page.waitForSelector('#origins-body td.muted', { timeout: 5000 });
    const empty = await opened.page.$eval('#origins-body', (body) => body.textContent);
    // Act
    await putOrigin(target.adminEndpoint, 'dashboard-origin', {
      endpoint: 'http://127.0.0.1:9/archive',
      bucket: 'old-store',
      credentials: { accessKeyId: 'AKIADASHBOARD', secretAccessKey: secret },
    });
    const row = await opened.page.waitForSelector('#origins-body tr[data-origin="dashboard-origin"]', {
      timeout: 5000,
    });
    const text = await row!.evaluate((tr) => tr.textContent);
    // Assess
    expect(empty).toContain('no origins');
    expect(text).toContain('http://127.0.0.1:9/archive · bucket old-store');
    expect(text).toContain('stored');
    expect(await opened.page.content()).not.toContain(secret);
  });

  it('shows the breaker a refused origin opened: GetObject of a missing key gets 503, the panel an open breaker', async () => {
    // Prepare: an origin on a loopback port nobody listens on, its breaker opening at the first failure
    const bucket = 'dashboard-refused-origin';
    await putOrigin(target.adminEndpoint, bucket, {
      endpoint: 'http://127.0.0.1:9',
      breaker: { failures: 1, openMs: 60_000 },
    });
    // Act
    const failure = await failureOf(
      target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'missing' })),
    );
    const pill = await opened.page.waitForSelector(
      `#origins-body tr[data-origin="${bucket}"] span.breaker.bad`,
      {
        timeout: 5000,
      },
    );
    const row = await opened.page.$eval(`#origins-body tr[data-origin="${bucket}"]`, (tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent),
    );
    // Assess
    expect(failure.$metadata).toMatchObject({ httpStatusCode: 503 });
    expect(await pill!.evaluate((span) => span.textContent)).toBe('open');
    expect(Number(row[5])).toBeGreaterThanOrEqual(1);
    expect(row[7]).not.toBe('');
  });

  it("draws each origin's breaker state as a pill, and its last error as text, never as markup", async () => {
    // Prepare: an open breaker whose last error holds markup (an origin's own error body)
    const hostile = '<img src=x onerror=alert(2)>';
    const view = (localBucket: string, breaker: string, lastError?: string) => ({
      localBucket,
      endpoint: 'http://127.0.0.1:9',
      bucket: localBucket,
      kind: 's3',
      source: 'stored',
      status: { breaker, fetches: 12, failures: 5, negativeEntries: 0, ...(lastError ? { lastError } : {}) },
    });
    fakeOrigins = [
      view('broken-origin', 'open', hostile),
      view('trial-origin', 'half-open'),
      view('fine-origin', 'closed'),
    ];
    try {
      // Act
      await opened.page.waitForSelector('#origins-body tr[data-origin="broken-origin"]', { timeout: 5000 });
      const pills = await opened.page.$$eval('#origins-body span.breaker', (spans) =>
        spans.map((span) => `${span.textContent} ${span.className}`),
      );
      const lastError = await opened.page.$eval(
        '#origins-body tr[data-origin="broken-origin"] td.last-error',
        (td) => td.textContent,
      );
      const images = await opened.page.$$eval('#origins-body img', (elements) => elements.length);
      // Assess
      expect(pills).toEqual([
        'open pill breaker bad',
        'half-open pill breaker warn',
        'closed pill breaker ok',
      ]);
      expect(lastError).toBe(hostile);
      expect(images).toBe(0);
      expect(opened.dialogs).toEqual([]);
    } finally {
      fakeOrigins = undefined;
    }
  });

  it('logged no console error or page error, and every request it made was answered', () => {
    // Assess
    expect(opened.consoleErrors).toEqual([]);
    expect(opened.pageErrors).toEqual([]);
    expect(opened.refusedRequests).toEqual([]);
    expect(opened.failedRequests).toEqual([]);
    expect(opened.dialogs).toEqual([]);
  });
});
