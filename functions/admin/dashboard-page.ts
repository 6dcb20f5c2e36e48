import {
  DASHBOARD_SCRIPT_PATH,
  type DashboardSettings,
  SETTINGS_ELEMENT_ID,
} from '../../dashboard/settings.js';

/**
 * What the page may load: its own script and calls to this control plane, inline styles, nothing
 * from another origin (the page works with no network).
 */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The dashboard's HTML: the sections' skeleton, the CSS, the settings and the script. */
export function dashboardHtml(settings: DashboardSettings): string {
  // `<` escaped, so that no value can close the script element early.
  const json = JSON.stringify(settings).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mock-s3 dashboard</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header class="top">
  <h1>mock-s3</h1>
  <span id="overall" class="pill">loading</span>
  <span id="updated" class="muted"></span>
</header>
<main>
  <section id="health" class="card"><h2>Health</h2><ul id="health-list" class="parts"></ul></section>
  <section id="nodes" class="card"><h2>Storage nodes</h2><p id="nodes-summary" class="muted"></p>
    <table><thead><tr><th>node</th><th>state</th><th>blobs</th><th>space used</th></tr></thead><tbody id="nodes-body"></tbody></table></section>
  <section id="queue" class="card"><h2>Task queue</h2>
    <dl class="numbers"><dt>pending</dt><dd id="queue-pending">–</dd><dt>lag</dt><dd id="queue-lag">–</dd><dt>dead letters</dt><dd id="queue-dead">–</dd></dl></section>
  <section id="faults" class="card wide"><h2>Faults</h2>
    <div class="row"><span id="fault-status" class="pill"></span>
      <button id="kill-switch" class="danger" type="button">Kill switch: all faults off</button>
      <button id="release" type="button">Release kill switch</button>
      <span id="fault-message" class="muted" role="status"></span></div>
    <h3>Rules</h3>
    <table><thead><tr><th>rule</th><th>scenario</th><th>point</th><th>fault</th><th>hits</th><th>state</th><th>expires</th><th></th></tr></thead><tbody id="rules-body"></tbody></table>
    <h3>Scenarios</h3>
    <table><thead><tr><th>scenario</th><th>rules</th><th>enabled</th><th>hits</th><th>expires</th></tr></thead><tbody id="scenarios-body"></tbody></table>
  </section>
  <section id="origins" class="card wide"><h2>Origins <span class="muted">read-through on a local miss; breaker and counters of the instance that answered</span></h2>
    <table><thead><tr><th>bucket</th><th>origin</th><th>source</th><th>breaker</th><th>fetches</th><th>failed</th><th>cached 404s</th><th>last error</th></tr></thead><tbody id="origins-body"></tbody></table></section>
  <section id="traffic" class="card wide"><h2>S3 traffic <span id="traffic-note" class="muted"></span></h2>
    <div id="charts" class="charts"></div></section>
  <section id="timeline" class="card wide"><h2>Firings <span id="firings-count" class="muted"></span></h2>
    <ol id="firings" class="firings"></ol></section>
</main>
<script type="application/json" id="${SETTINGS_ELEMENT_ID}">${json}</script>
<script src="${DASHBOARD_SCRIPT_PATH}" defer></script>
</body>
</html>
`;
}

const STYLE = `
:root { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827; background: #f3f4f6; }
body { margin: 0; }
.top { display: flex; gap: 12px; align-items: center; padding: 8px 16px; background: #111827; color: #f9fafb; }
.top h1 { font-size: 18px; margin: 0; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 12px; padding: 12px; }
.card { background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 8px 12px; min-width: 0; }
.card.wide { grid-column: 1 / -1; }
h2 { font-size: 15px; margin: 4px 0 8px; }
h3 { font-size: 13px; margin: 10px 0 4px; color: #374151; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #f3f4f6; overflow-wrap: anywhere; }
th { color: #6b7280; font-weight: 600; }
.muted { color: #6b7280; font-size: 12px; font-weight: normal; }
.top .muted { color: #d1d5db; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #e5e7eb; color: #111827; }
.ok { background: #dcfce7; color: #166534; }
.bad { background: #fee2e2; color: #991b1b; }
.warn { background: #fef3c7; color: #92400e; }
.parts { list-style: none; padding: 0; margin: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 4px; }
.row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
button { font: inherit; padding: 3px 10px; border-radius: 4px; border: 1px solid #9ca3af; background: #f9fafb; cursor: pointer; }
button.danger { border-color: #b91c1c; background: #dc2626; color: #fff; }
button:disabled { opacity: 0.5; cursor: default; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 8px; }
.charts figure { margin: 0; min-width: 0; }
.charts figcaption { font-size: 12px; font-weight: 600; color: #374151; }
.charts svg { width: 100%; height: auto; }
.numbers { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
.numbers dd { margin: 0; font-variant-numeric: tabular-nums; font-weight: 600; }
.firings { list-style: none; margin: 0; padding: 0; max-height: 320px; overflow-y: auto; font-size: 12px; font-family: ui-monospace, monospace; }
.firings li { padding: 2px 0; border-bottom: 1px solid #f3f4f6; }
.firings time { color: #6b7280; margin-right: 6px; }
`;
