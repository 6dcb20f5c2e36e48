import { byId, clockTime, el, setPill } from './dom.js';
import type { FaultStatus, RuleView, ScenarioView } from './views.js';

/** What the rules table's delete buttons call. */
export type RemoveRule = (id: string) => void;

/** The engine's state: on, off and why, the kill switch. */
export function renderFaultStatus(status: FaultStatus): void {
  const text = status.enabled
    ? `faults on · ${status.activeRules} active of ${status.rules} rules`
    : `faults off (${status.reason})`;
  setPill(byId('fault-status'), text, status.killSwitch ? 'bad' : status.enabled ? 'warn' : '');
  byId<HTMLButtonElement>('release').disabled = !status.killSwitch;
}

/** One row per live rule: where it acts, what it does, its hits, and a delete button. */
export function renderRules(rules: readonly RuleView[], remove: RemoveRule): void {
  const rows = rules.map((rule) => {
    const button = el('button', { type: 'button', class: 'remove-rule', 'data-rule': rule.id }, 'delete');
    button.addEventListener('click', () => remove(rule.id));
    const spent = rule.times !== undefined && rule.hits >= rule.times;
    return el(
      'tr',
      { 'data-rule': rule.id },
      el('td', {}, el('code', {}, rule.id)),
      el('td', {}, rule.scenario ?? ''),
      el('td', {}, [rule.match.point, ...scope(rule)].join(' ')),
      el('td', {}, rule.fault.type),
      el('td', { class: 'hits' }, String(rule.hits)),
      el('td', {}, !rule.enabled ? 'disabled' : spent ? 'spent' : 'enabled'),
      el('td', {}, clockTime(rule.expiresAt)),
      el('td', {}, button),
    );
  });
  byId('rules-body').replaceChildren(...(rows.length > 0 ? rows : [emptyRow(8, 'no rules')]));
}

/** One row per scenario, its hits the sum of its rules'. */
export function renderScenarios(scenarios: readonly ScenarioView[], rules: readonly RuleView[]): void {
  const rows = scenarios.map((scenario) => {
    const hits = rules.filter((rule) => rule.scenario === scenario.name).reduce((sum, r) => sum + r.hits, 0);
    return el(
      'tr',
      { 'data-scenario': scenario.name },
      el('td', {}, scenario.name),
      el('td', {}, String(scenario.rules)),
      el('td', {}, String(scenario.enabledRules)),
      el('td', { class: 'hits' }, String(hits)),
      el('td', {}, clockTime(scenario.expiresAt)),
    );
  });
  byId('scenarios-body').replaceChildren(...(rows.length > 0 ? rows : [emptyRow(5, 'no scenarios')]));
}

function scope(rule: RuleView): string[] {
  const { service, operation, bucket, key, node } = rule.match;
  return Object.entries({ service, operation, bucket, key, node })
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${value}`);
}

export function emptyRow(columns: number, text: string): HTMLTableRowElement {
  return el('tr', {}, el('td', { colspan: String(columns), class: 'muted' }, text));
}
