/**
 * Opens a drill's report.html from disk in headless chromium (tests/support/browser/chromium.ts):
 * every request other than the file itself is refused and recorded, since a report must need no
 * network.
 */
import { pathToFileURL } from 'node:url';
import { type OpenedPage, openInChromium } from '../browser/chromium.js';

export type OpenedReport = OpenedPage;

export function openReportInChromium(
  reportPath: string,
  viewport = { width: 1100, height: 900 },
): Promise<OpenedReport> {
  const reportUrl = pathToFileURL(reportPath).href;
  return openInChromium(reportUrl, { allow: (url) => url === reportUrl, viewport });
}
