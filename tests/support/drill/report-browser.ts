/**
 * Opens a drill's report.html from disk in Debian's chromium (/usr/bin/chromium, or CHROMIUM)
 * through puppeteer-core, headless, with no browser download. Every request other than the file
 * itself is refused and recorded (a report must need no network), as are console errors and page
 * errors and dialogs, so a test can assert that nothing went wrong. Bounded timeouts; `close()` ends the browser.
 */
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

const LAUNCH_TIMEOUT_MS = 30_000;
const LOAD_TIMEOUT_MS = 30_000;

export interface OpenedReport {
  readonly page: Page;
  /** `console.error` messages (and warnings of failed loads) the page printed. */
  readonly consoleErrors: string[];
  /** Uncaught exceptions in the page. */
  readonly pageErrors: string[];
  /** URLs the page asked for besides the report itself (each refused). */
  readonly refusedRequests: string[];
  /** Messages of alert/confirm/prompt dialogs (each dismissed, so a script cannot hang the page). */
  readonly dialogs: string[];
  close(): Promise<void>;
}

export async function openReportInChromium(
  reportPath: string,
  viewport = { width: 1100, height: 900 },
): Promise<OpenedReport> {
  const browser: Browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // Tests run as root in a container: chromium's sandbox needs user namespaces it does not get.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    timeout: LAUNCH_TIMEOUT_MS,
  });
  try {
    const page = await browser.newPage();
    await page.setViewport(viewport);
    const reportUrl = pathToFileURL(reportPath).href;
    const opened: OpenedReport = {
      page,
      consoleErrors: [],
      pageErrors: [],
      refusedRequests: [],
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
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (request.url() === reportUrl) return void request.continue();
      opened.refusedRequests.push(request.url());
      return void request.abort('blockedbyclient');
    });
    await page.goto(reportUrl, { waitUntil: 'load', timeout: LOAD_TIMEOUT_MS });
    return opened;
  } catch (error) {
    await browser.close();
    throw error;
  }
}
