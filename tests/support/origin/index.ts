import { startInstanceOrigin } from './instance-origin.js';
import { startMotoOrigin } from './moto-origin.js';
import { startS3rverOrigin } from './s3rver-origin.js';
import type { OriginServerKind, TestOrigin } from './test-origin.js';

export { MOTO_ENDPOINT } from './moto-origin.js';
export { type OriginGate, startOriginGate } from './origin-gate.js';
export {
  type OriginSeed,
  type OriginServerKind,
  type SeededHeaders,
  SMALL_HEADERS,
  SMALL_METADATA,
  seed,
  type TestOrigin,
} from './test-origin.js';

/**
 * A real origin for read-through tests, seeded with 0 B, 1 KiB, 5 MiB and a 2-part multipart
 * object: `s3rver` (a child process), `moto` (a bucket on the shared server), `instance` (a second
 * embedded server of this project, read as `kind: s3`) or `http` (the same, read as `kind: http`).
 * Call in `beforeAll`; `stop()` in `afterAll`.
 */
export function startOrigin(kind: OriginServerKind): Promise<TestOrigin> {
  switch (kind) {
    case 's3rver':
      return startS3rverOrigin();
    case 'moto':
      return startMotoOrigin();
    case 'instance':
      return startInstanceOrigin('s3');
    case 'http':
      return startInstanceOrigin('http');
  }
}
