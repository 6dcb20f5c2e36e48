#!/usr/bin/env node
// A PNG of the live dashboard, e.g. mid-drill for docs/images/dashboard.png:
//
//   node scripts/dashboard-screenshot.mjs OUT.png [--admin URL] [--after SECONDS] [--firings]
//
// Opens the control plane's `/` (default http://127.0.0.1:9000, or $MOCK_S3_ADMIN) in Debian's
// chromium (/usr/bin/chromium, or CHROMIUM) through puppeteer-core, no browser download; waits
// --after seconds (default 3: a few polls), and with --firings until a firing is listed; then
// takes the whole page. Any request outside the control plane is refused and fails the run, as does
// a console error.
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer-core';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    admin: { type: 'string', default: process.env.MOCK_S3_ADMIN ?? 'http://127.0.0.1:9000' },
    after: { type: 'string', default: '3' },
    firings: { type: 'boolean', default: false },
  },
});
const [outPath] = positionals;
if (outPath === undefined) {
  process.stderr.write(
    'usage: node scripts/dashboard-screenshot.mjs OUT.png [--admin URL] [--after S] [--firings]\n',
  );
  process.exit(2);
}
const origin = new URL(values.admin).origin;

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  // Root in a container: chromium's sandbox needs user namespaces it does not get.
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  timeout: 30_000,
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000, deviceScaleFactor: 1 });
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (request.url().startsWith(`${origin}/`)) return request.continue();
    problems.push(`refused: ${request.url()}`);
    return request.abort('blockedbyclient');
  });
  await page.goto(`${origin}/`, { waitUntil: 'load', timeout: 30_000 });
  if (values.firings) await page.waitForSelector('#firings li[data-rule]', { timeout: 120_000 });
  await new Promise((resolve) => setTimeout(resolve, Number(values.after) * 1000));
  if (problems.length > 0) throw new Error(`the dashboard went wrong:\n${problems.join('\n')}`);
  await page.screenshot({ path: outPath, fullPage: true, type: 'png' });
  process.stdout.write(`${outPath}\n`);
} finally {
  await browser.close();
}
