import { ceilingTarget } from './ceiling.js';
import { localstackTarget } from './localstack.js';
import { mockS3FsyncTarget, mockS3Target } from './mock-s3.js';
import { motoTarget } from './moto.js';
import { s3rverTarget } from './s3rver.js';
import { stackEmbeddedTarget, stackNginxTarget, stackOfflineTarget, stackTarget } from './stack.js';
import type { TargetDefinition } from './target.js';

/** Every target the benchmark knows, in report order; add a file under `bench/targets/` and list it here. */
export const TARGETS: readonly TargetDefinition[] = [
  mockS3Target,
  mockS3FsyncTarget,
  s3rverTarget,
  motoTarget,
  localstackTarget,
  ceilingTarget,
  stackTarget,
  stackNginxTarget,
  stackOfflineTarget,
  stackEmbeddedTarget,
];

/**
 * What runs without `--targets`: stack mode starts a whole deployment (nginx, PostgreSQL, Redis,
 * etcd, seven processes), so it runs only when named (`--targets mock-s3,stack,...` or `--suite stack`).
 */
export const DEFAULT_TARGETS: readonly string[] = ['mock-s3', 'mock-s3-fsync', 's3rver', 'ceiling'];

/** `--suite stack`: embedded mode and each entry point of the stack, side by side. */
export const STACK_SUITE_TARGETS: readonly string[] = [
  'mock-s3',
  'stack',
  'stack-nginx',
  'stack-offline',
  'stack-embedded',
];

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
