import type { DrillAction, DrillFile, DrillStep, TargetInfo } from '../../../tools/drill/types.js';

/** A parsed drill file (as tools/drill/drill-file.ts would give it), steps numbered in order. */
export function sampleDrill(
  method: readonly (DrillAction & { at?: number })[],
  overrides: Partial<DrillFile> = {},
): DrillFile {
  return {
    name: 'actions-test',
    description: 'a drill for the actions tests',
    seed: 42,
    load: {
      durationMs: 10_000,
      loop: { kind: 'closed', concurrency: 2 },
      keys: 10,
      size: { min: 1024, max: 1024 },
      mix: { put: 1 },
      client: 'raw',
      bucket: 'drill-test',
      keep: false,
    },
    steadyState: [],
    method: method.map((action, index) => ({ at: 1_000 * (index + 1), ...action, index }) as DrillStep),
    recoveryMs: 2_000,
    rollback: 'always',
    mode: 'any',
    source: '',
    path: '/tmp/actions-test.yaml',
    ...overrides,
  };
}

/** What inspectTarget finds at an embedded server. */
export function embeddedTarget(overrides: Partial<TargetInfo> = {}): TargetInfo {
  return {
    target: 'http://127.0.0.1:1',
    admin: 'http://127.0.0.1:2',
    mode: 'embedded',
    nodes: [{ id: 'node-1' }, { id: 'node-2' }, { id: 'node-3' }],
    canPartition: true,
    ...overrides,
  };
}
