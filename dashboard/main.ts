/**
 * The dashboard page's script (bundled by esbuild into one file, served by functions/admin/dashboard.ts).
 * Polls the control plane it came from every second, redraws each section from the answers, and
 * sends the kill switch and rule deletions as JSON calls the cross-site guard lets through.
 */
import { ControlCallError, getJson, sendJson } from './control-api.js';
import { byId, el } from './dom.js';
import { renderFaultStatus, renderRules, renderScenarios } from './faults-view.js';
import { partsHealth, renderHealth, renderNodes, renderQueue } from './health-view.js';
import { renderOrigins } from './origins-view.js';
import { SeriesStore } from './series-store.js';
import { type DashboardSettings, SERIES_PATH, SETTINGS_ELEMENT_ID } from './settings.js';
import { firingPeriods, renderFirings } from './timeline-view.js';
import { SPAN_MS, trafficCharts } from './traffic-view.js';
import type {
  FaultStatus,
  FiringView,
  NodesAnswer,
  OriginView,
  RuleView,
  ScenarioView,
  SeriesAnswer,
  StatsAnswer,
} from './views.js';

const INJECTION = '/api/v1/injection';
/** The stats count objects page by page: read them less often than the rest. */
const STATS_EVERY = 5;
/** Firings shown (the hit log keeps up to 1000). */
const FIRINGS_SHOWN = 200;

const settings = JSON.parse(byId(SETTINGS_ELEMENT_ID).textContent ?? '{}') as DashboardSettings;
const series = new SeriesStore(SPAN_MS);
const lastBlobs = new Map<string, number>();
let stats: StatsAnswer | Error | undefined;
let round = 0;

/** Reads an endpoint; a failure is returned, not thrown, so one part down leaves the others drawn. */
async function read<T>(path: string): Promise<T | Error> {
  try {
    return await getJson<T>(path);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

async function poll(): Promise<void> {
  const since = series.since();
  const [health, nodes, status, rules, scenarios, events, answer, newStats, origins] = await Promise.all([
    read<{ status: string }>('/health'),
    read<NodesAnswer>('/api/v1/storage/nodes'),
    read<FaultStatus>(`${INJECTION}/status`),
    read<{ rules: RuleView[] }>(`${INJECTION}/rules`),
    read<{ scenarios: ScenarioView[] }>(`${INJECTION}/scenarios`),
    read<{ events: FiringView[] }>(`${INJECTION}/events?limit=${FIRINGS_SHOWN}`),
    read<SeriesAnswer>(`${SERIES_PATH}?since=${since}`),
    round % STATS_EVERY === 0 ? read<StatsAnswer>('/api/v1/admin/stats') : Promise.resolve(stats),
    // Every round, not with the stats: a breaker opens and closes within seconds of a drill.
    read<{ origins: OriginView[] }>('/api/v1/origins'),
  ]);
  round += 1;
  stats = newStats;
  const now = Date.now();
  if (!(answer instanceof Error)) series.add(answer, now);
  renderHealth(
    partsHealth({
      // /health answers 503 while starting: the part is there, not ready.
      ready:
        health instanceof ControlCallError && health.status === 503
          ? false
          : health instanceof Error
            ? health
            : true,
      stats,
      nodes,
      instances: series.instanceCount,
    }),
  );
  if (!(nodes instanceof Error)) renderNodes(nodes, lastBlobs);
  if (!(status instanceof Error)) renderFaultStatus(status);
  if (!(origins instanceof Error)) renderOrigins(origins.origins);
  if (!(rules instanceof Error)) {
    renderRules(rules.rules, removeRule);
    if (!(scenarios instanceof Error)) renderScenarios(scenarios.scenarios, rules.rules);
  }
  const firings = events instanceof Error ? [] : events.events;
  if (!(events instanceof Error)) renderFirings(firings, settings.traceLinkTemplate);
  const merged = series.merged();
  const charts = byId('charts');
  charts.replaceChildren(
    ...trafficCharts(merged, series.intervalMs, now, firingPeriods(firings)).map((chart) => {
      const figure = el('figure', { 'data-chart': chart.id }, el('figcaption', {}, chart.title));
      // The renderer's markup: every text in it is escaped there (tools/drill/report/charts.ts).
      figure.insertAdjacentHTML('beforeend', chart.svg);
      return figure;
    }),
  );
  // What the charts hold, for a reader that checks they move (the browser test).
  charts.dataset.windows = String(merged.length);
  charts.dataset.requests = String(merged.reduce((sum, w) => sum + (w.operations['*']?.requests ?? 0), 0));
  byId('traffic-note').textContent =
    series.instanceCount > 1 ? `(${series.instanceCount} instances summed)` : '';
  const queue = merged[merged.length - 1]?.queue ?? (stats instanceof Error ? undefined : stats?.queue);
  if (queue !== undefined) renderQueue(queue);
}

function report(message: string): void {
  byId('fault-message').textContent = message;
}

/** Sends a mutating call, then redraws at once so the change shows without waiting for the next poll. */
async function act(description: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
    report(`${description}: done`);
  } catch (error) {
    report(`${description} failed: ${(error as Error).message}`);
  }
  await poll().catch(() => undefined);
}

function removeRule(id: string): void {
  void act(`delete rule ${id}`, () => sendJson('DELETE', `${INJECTION}/rules/${encodeURIComponent(id)}`));
}

byId('kill-switch').addEventListener('click', () => {
  void act('kill switch', () => sendJson('POST', `${INJECTION}/disable-all`));
});
byId('release').addEventListener('click', () => {
  void act('release kill switch', () => sendJson('POST', `${INJECTION}/enable`));
});

/** The next poll starts a poll period after the last one ended: a slow control plane is not piled on. */
async function loop(): Promise<void> {
  await poll().catch((error: unknown) => report(`refresh failed: ${(error as Error).message}`));
  setTimeout(() => void loop(), settings.pollMs);
}

void loop();
