import { ceilingTarget } from './ceiling.js';
import { mockS3Target } from './mock-s3.js';
import { s3rverTarget } from './s3rver.js';
import type { TargetDefinition } from './target.js';

/** Every target the benchmark knows, in report order; add a file under `bench/targets/` and list it here. */
export const TARGETS: readonly TargetDefinition[] = [mockS3Target, s3rverTarget, ceilingTarget];

/** Looks targets up by name, failing on an unknown one with the list of known names. */
export function selectTargets(names: readonly string[]): TargetDefinition[] {
  return names.map((name) => {
    const target = TARGETS.find((candidate) => candidate.name === name);
    if (!target) {
      throw new Error(`unknown target "${name}"; known: ${TARGETS.map((known) => known.name).join(', ')}`);
    }
    return target;
  });
}
