import type { DrillFile } from './types.js';
import { DrillFileError } from './types.js';

/**
 * `--time-scale F` (our extension, for CI and quick tries): the drill's timeline stretched or
 * shrunk by `factor` — the load's duration, every step's `at` and `recovery`. Fault parameters
 * (a latency's `ms`, a rule's `ttl`) are left as written: they are what the drill tests.
 */
export function scaleDrill(drill: DrillFile, factor: number): DrillFile {
  if (!Number.isFinite(factor) || factor <= 0 || factor > 100) {
    throw new DrillFileError('--time-scale', `must be a number in (0, 100], got ${factor}`);
  }
  if (factor === 1) return drill;
  const scale = (ms: number): number => Math.round(ms * factor);
  return {
    ...drill,
    load: { ...drill.load, durationMs: scale(drill.load.durationMs) },
    method: drill.method.map((step) => ({ ...step, at: scale(step.at) })),
    recoveryMs: scale(drill.recoveryMs),
  };
}

/** Parses the text of `--time-scale`; a DrillFileError naming the flag when it is not a number. */
export function parseTimeScale(text: string | undefined): number {
  if (text === undefined) return 1;
  const factor = Number(text);
  if (text.trim() === '' || !Number.isFinite(factor)) {
    throw new DrillFileError('--time-scale', `must be a number, got ${text}`);
  }
  return factor;
}
