import { formatDuration } from '../load/units.js';
import { probeLabel } from './probes.js';
import { stepLabel } from './step-label.js';
import type { DrillFile, TargetInfo } from './types.js';

/**
 * The plan `drill run --dry-run` prints: the timeline with its windows, every step at its time,
 * the probes and where it would run. Nothing is applied to print it.
 */
export function renderPlan(
  drill: DrillFile,
  timeline: { warmupEndMs: number; loadEndMs: number },
  target: TargetInfo,
  timeScale: number,
): string {
  const steps = drill.method;
  const firstAt = steps[0]?.at ?? timeline.loadEndMs;
  const lastAt = steps[steps.length - 1]?.at ?? timeline.loadEndMs;
  const loop = drill.load.loop;
  const lines = [
    `drill ${drill.name} (${drill.path})${timeScale === 1 ? '' : `, time scale ${timeScale}`}`,
    `  ${drill.description}`,
    `target ${target.target} (${target.mode} mode), control plane ${target.admin ?? 'none'}`,
    `load ${formatDuration(timeline.loadEndMs)}, ${loop.kind === 'closed' ? `concurrency ${loop.concurrency}` : `${loop.ratePerSecond}/s`}, client ${drill.load.client}, ${drill.load.keys} keys, seed ${drill.seed}`,
    ...(drill.origin === undefined
      ? []
      : [
          `origin: ${drill.load.bucket} reads through to ${drill.origin.bucket} of the target, ${drill.origin.keys} objects seeded there`,
        ]),
    'windows:',
    `  warmup  ${span(0, timeline.warmupEndMs)}`,
    `  before  ${span(timeline.warmupEndMs, firstAt)}`,
    `  during  ${span(firstAt, lastAt)}`,
    `  after   ${span(lastAt, timeline.loadEndMs)}`,
    'steps:',
    ...steps.map((step) => `  at ${formatDuration(step.at).padEnd(7)} ${stepLabel(step)}`),
    'probes:',
    ...drill.steadyState.map(
      (probe) => `  ${probeLabel(probe)}${'during' in probe && probe.during ? ' (also during)' : ''}`,
    ),
    'dry run: nothing applied, no load sent',
    '',
  ];
  return lines.join('\n');
}

function span(fromMs: number, toMs: number): string {
  return `${formatDuration(fromMs)} .. ${formatDuration(Math.max(fromMs, toMs))}`;
}
