import { byId, clockTime, el } from './dom.js';
import type { FiringPeriod } from './traffic-view.js';
import type { FiringView } from './views.js';

/** Firings at most this far apart belong to one shaded period of the charts. */
const PERIOD_GAP_MS = 3000;

/** The newest firings first, each with its trace when a trace-link template is configured. */
export function renderFirings(firings: readonly FiringView[], traceLinkTemplate: string | undefined): void {
  const items = [...firings].reverse().map((firing) => {
    const where = [firing.point, firing.operation, firing.process ?? firing.service]
      .filter(Boolean)
      .join(' ');
    const item = el(
      'li',
      { 'data-rule': firing.ruleId },
      el('time', { datetime: firing.time }, clockTime(firing.time)),
      `${firing.type} · rule ${firing.ruleId}${firing.scenario ? ` (${firing.scenario})` : ''} · ${where}`,
      firing.delayMs === undefined ? '' : ` · +${Math.round(firing.delayMs)} ms`,
      firing.requestId ? ` · request ${firing.requestId}` : '',
    );
    if (firing.traceId !== undefined && traceLinkTemplate !== undefined) {
      item.append(
        ' · ',
        el(
          'a',
          {
            class: 'trace',
            href: traceLinkTemplate.replaceAll('{trace_id}', encodeURIComponent(firing.traceId)),
            rel: 'noreferrer',
          },
          `trace ${firing.traceId.slice(0, 8)}`,
        ),
      );
    }
    return item;
  });
  byId('firings').replaceChildren(
    ...(items.length > 0 ? items : [el('li', { class: 'muted' }, 'no firings')]),
  );
  byId('firings-count').textContent = `(${firings.length} kept)`;
}

/** The periods with firings, oldest first: shaded on the charts. */
export function firingPeriods(firings: readonly FiringView[]): FiringPeriod[] {
  const periods: FiringPeriod[] = [];
  for (const firing of firings) {
    const t = Date.parse(firing.time);
    if (Number.isNaN(t)) continue;
    const last = periods[periods.length - 1];
    if (last !== undefined && t - last.toMs <= PERIOD_GAP_MS) {
      last.toMs = Math.max(last.toMs, t + 1000);
      if (!last.label.includes(firing.type)) last.label += `, ${firing.type}`;
    } else {
      periods.push({ fromMs: t, toMs: t + 1000, label: firing.type });
    }
  }
  return periods;
}
