import { describe, expect, it } from '@jest/globals';
import { SETTINGS_ELEMENT_ID } from '../../../../dashboard/settings.js';
import { dashboardHtml } from '../../../../functions/admin/dashboard-page.js';

describe('dashboardHtml', () => {
  it('hands the settings to the page as JSON that no value can break out of', () => {
    // Prepare: a template a URL parser accepts, with a closing script tag in it
    const traceLinkTemplate = 'http://127.0.0.1:16686/</script><script>alert(1)</script>/{trace_id}';
    // Act
    const html = dashboardHtml({ pollMs: 1000, traceLinkTemplate });
    // Assess
    const start = html.indexOf(`<script type="application/json" id="${SETTINGS_ELEMENT_ID}">`);
    const json = html.slice(html.indexOf('>', start) + 1, html.indexOf('</script>', start));
    expect(JSON.parse(json)).toEqual({ pollMs: 1000, traceLinkTemplate });
    expect(html).not.toContain('<script>alert(1)');
  });
});
