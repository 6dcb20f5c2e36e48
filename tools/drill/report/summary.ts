/**
 * summary.md: the verdict line, the probe table, the integrity counts and the replay command, as
 * markdown for a CI log or a pull request. Text from the result is made inert: a `|` cannot split a
 * table cell, a newline cannot end a row, and markup characters print as themselves.
 */
import type { DrillResult } from '../types.js';
import { formatAt, formatProbeValue, VERDICT_WORDS } from './format.js';

/** The summary of a drill as markdown. */
export function renderSummary(result: DrillResult): string {
  const lines = [
    `## ${VERDICT_WORDS[result.verdict]}: ${inline(result.name)}`,
    '',
    `**${VERDICT_WORDS[result.verdict]}** — ${inline(result.reason)}`,
    '',
    `${inline(result.description)}`,
    '',
    `Target ${inline(result.target)} (${result.mode} mode), client ${result.client}, seed ${result.seed}, ` +
      `exit code ${result.exitCode}.`,
    '',
  ];
  if (result.probes.length > 0) {
    lines.push('| probe | window | value | threshold | ok |', '| --- | --- | --- | --- | --- |');
    for (const probe of result.probes) {
      for (const w of probe.windows) {
        const ok = w.ok
          ? 'ok'
          : `**VIOLATED**${w.violatedAtMs === undefined ? '' : ` at ${formatAt(w.violatedAtMs)}`}`;
        lines.push(
          `| ${inline(probe.label)} | ${w.window} | ${inline(formatProbeValue(probe.spec, w.value))} | ` +
            `${inline(formatProbeValue(probe.spec, w.threshold))} | ${ok} |`,
        );
      }
    }
    lines.push('');
  } else {
    lines.push('No probe (the drill had no steady-state hypothesis).', '');
  }
  const integrity = result.integrity;
  if (integrity !== undefined) {
    const byKind = new Map<string, number>();
    for (const v of integrity.violations) byKind.set(v.kind, (byKind.get(v.kind) ?? 0) + 1);
    const kinds = [...byKind.entries()].map(([kind, count]) => `${count} ${kind}`).join(', ');
    lines.push(
      `Integrity: ${integrity.violations.length} violation${integrity.violations.length === 1 ? '' : 's'}` +
        `${kinds === '' ? '' : ` (${kinds})`} over ${integrity.keysChecked} keys, ` +
        `${integrity.acknowledgedWrites} acknowledged writes, ${integrity.acknowledgedDeletes} acknowledged deletes, ` +
        `${integrity.readsChecked} reads; ${integrity.unverifiable.length} not judged (the final read failed).`,
      '',
    );
  }
  lines.push('Replay:', '', '```sh', result.command.replace(/\r?\n/g, ' '), '```', '');
  return lines.join('\n');
}

/** Text on one markdown line (or in a table cell: `|` is escaped too), markup characters as themselves. */
function inline(text: string): string {
  // `<` only where it could open raw HTML (a letter, `/`, `!` or `?` follows): `<= 250ms` stays readable.
  return text
    .replace(/\r?\n/g, ' ')
    .replace(/([\\`*[\]|])/g, '\\$1')
    .replace(/<(?=[A-Za-z/!?])/g, '\\<');
}
