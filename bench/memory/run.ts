/**
 * `npx tsx bench/memory/run.ts [--idle-only] [--settle-seconds N]`: the memory bench on its own
 * (see measure.ts); prints a Markdown table against the goals of issue 16. Linux only (/proc).
 */
import { parseArgs } from 'node:util';
import { MEMORY_STEPS, measureMemory, renderMemoryTable } from './measure.js';

const { values } = parseArgs({
  options: {
    'idle-only': { type: 'boolean', default: false },
    'settle-seconds': { type: 'string', default: '5' },
  },
});
const settleSeconds = Number(values['settle-seconds']);
if (!Number.isFinite(settleSeconds) || settleSeconds < 0)
  throw new Error('--settle-seconds takes a number ≥ 0');

const report = await measureMemory({
  settleMs: settleSeconds * 1000,
  steps: values['idle-only'] ? [] : MEMORY_STEPS,
  progress: (message) => process.stderr.write(`[memory] ${message}\n`),
});
process.stdout.write(`${renderMemoryTable(report)}\n`);
if (report.childProcesses > 0) {
  process.stdout.write(`\nThe server had ${report.childProcesses} child process(es), not counted above.\n`);
}
