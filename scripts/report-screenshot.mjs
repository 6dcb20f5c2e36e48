#!/usr/bin/env node
// A PNG of a drill's report.html for the README: `node scripts/report-screenshot.mjs REPORT.html
// OUT.png [--full]`. Opens the file from disk in Debian's chromium (/usr/bin/chromium, or CHROMIUM)
// through puppeteer-core, no browser download; the top 1400 px by default, the whole page with --full.
// A report must need no network: any request other than the file itself is refused and fails the run.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const TOP_PX = 1400;
const WIDTH_PX = 1040;

const args = process.argv.slice(2);
const full = args.includes('--full');
const [reportPath, outPath] = args.filter((arg) => arg !== '--full');
if (reportPath === undefined || outPath === undefined) {
  process.stderr.write('usage: node scripts/report-screenshot.mjs REPORT.html OUT.png [--full]\n');
  process.exit(2);
}

const reportUrl = pathToFileURL(resolve(reportPath)).href;
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  // Root in a container: chromium's sandbox needs user namespaces it does not get.
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  timeout: 30_000,
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: WIDTH_PX, height: TOP_PX, deviceScaleFactor: 1 });
  const refused = [];
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (request.url() === reportUrl) return request.continue();
    refused.push(request.url());
    return request.abort('blockedbyclient');
  });
  await page.goto(reportUrl, { waitUntil: 'load', timeout: 30_000 });
  if (refused.length > 0) throw new Error(`the report asked for the network: ${refused.join(', ')}`);
  await page.screenshot({ path: outPath, fullPage: full, type: 'png' });
  process.stdout.write(`${outPath}\n`);
} finally {
  await browser.close();
}
