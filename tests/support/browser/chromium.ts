/**
 * Opens a page in Debian's chromium (/usr/bin/chromium, or CHROMIUM) through puppeteer-core,
 * headless, with no browser download. Requests the caller does not allow are refused and recorded
 * (a page must need no network beyond its own server), as are console errors, page errors, failed
 * requests and dialogs, so a test can assert that nothing went wrong. Bounded timeouts; `close()`
 * ends the browser.
 */
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

const LAUNCH_TIMEOUT_MS = 30_000;
const LOAD_TIMEOUT_MS = 30_000;

export interface OpenedPage {
  readonly page: Page;
  /** `console.error` messages (and warnings of failed loads) the page printed. */
  readonly consoleErrors: string[];
  /** Uncaught exceptions in the page. */
  readonly pageErrors: string[];
  /** URLs the page asked for that were not allowed (each refused). */
  readonly refusedRequests: string[];
  /** Allowed requests that failed or were answered with a status of 400 or more: `STATUS URL`. */
  readonly failedRequests: string[];
  /** Messages of alert/confirm/prompt dialogs (each dismissed, so a script cannot hang the page). */
  readonly dialogs: string[];
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Whether the page may load this URL; anything else is refused. */
  allow(url: string): boolean;
  /**
   * An answer the test gives instead of the server for an allowed URL (a state the server cannot
   * be brought into), or undefined to let the request through.
   */
  answer?(url: string): { status: number; contentType: string; body: string } | undefined;
  viewport?: { width: number; height: number };
}

export async function openInChromium(url: string, options: OpenOptions): Promise<OpenedPage> {
  const browser: Browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // Tests run as root in a container: chromium's sandbox needs user namespaces it does not get.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    timeout: LAUNCH_TIMEOUT_MS,
  });
  try {
    const page = await browser.newPage();
    await page.setViewport(options.viewport ?? { width: 1100, height: 900 });
    const opened: OpenedPage = {
      page,
      consoleErrors: [],
      pageErrors: [],
      refusedRequests: [],
      failedRequests: [],
      dialogs: [],
      close: () => browser.close(),
    };
    page.on('console', (message) => {
      if (message.type() === 'error') opened.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => {
      opened.pageErrors.push(error instanceof Error ? error.message : String(error));
    });
    page.on('dialog', (dialog) => {
      opened.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('requestfailed', (request) => {
      if (options.allow(request.url())) opened.failedRequests.push(`failed ${request.url()}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) opened.failedRequests.push(`${response.status()} ${response.url()}`);
    });
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (options.allow(request.url())) {
        const answer = options.answer?.(request.url());
        return void (answer === undefined ? request.continue() : request.respond(answer));
      }
      opened.refusedRequests.push(request.url());
      return void request.abort('blockedbyclient');
    });
    await page.goto(url, { waitUntil: 'load', timeout: LOAD_TIMEOUT_MS });
    return opened;
  } catch (error) {
    await browser.close();
    throw error;
  }
}
