import { type Endpoint, type S3Request, sendS3Request } from './client/s3-request.js';

export const BUCKET = 'bench-bucket';
/** Keys cycled through per phase: GET keys are written once up front, PUT keys are overwritten. */
export const KEYS_PER_PHASE = 200;

/** One measured operation: an S3 verb on objects of one size. */
export interface Phase {
  readonly op: 'PUT' | 'GET';
  readonly sizeBytes: number;
  readonly sizeLabel: string;
}

export const PHASES: readonly Phase[] = [
  { op: 'PUT', sizeBytes: 1024, sizeLabel: '1 KiB' },
  { op: 'GET', sizeBytes: 1024, sizeLabel: '1 KiB' },
  { op: 'PUT', sizeBytes: 1024 * 1024, sizeLabel: '1 MiB' },
  { op: 'GET', sizeBytes: 1024 * 1024, sizeLabel: '1 MiB' },
];

const payloadBySize = new Map<number, Buffer>();

/** A deterministic, non-zero payload of `sizeBytes`, allocated once per size. */
function payload(sizeBytes: number): Buffer {
  let body = payloadBySize.get(sizeBytes);
  if (!body) {
    body = Buffer.alloc(sizeBytes);
    for (let index = 0; index < sizeBytes; index++) body[index] = index % 251;
    payloadBySize.set(sizeBytes, body);
  }
  return body;
}

function objectPath(op: Phase['op'], sizeBytes: number, key: number): string {
  return `/${BUCKET}/${op.toLowerCase()}-${sizeBytes}/key-${key}`;
}

function putRequest(path: string, sizeBytes: number, targetHeaders: Record<string, string>): S3Request {
  return {
    method: 'PUT',
    path,
    headers: { ...targetHeaders, 'content-type': 'application/octet-stream', 'content-length': sizeBytes },
    body: payload(sizeBytes),
  };
}

/**
 * The requests of a phase, built once so the load loop only picks one: the n-th request goes to key
 * n mod KEYS_PER_PHASE, which keeps the 16 in-flight requests on distinct keys.
 */
export function phaseRequests(phase: Phase, targetHeaders: Record<string, string>): (n: number) => S3Request {
  const requests = Array.from({ length: KEYS_PER_PHASE }, (_, key): S3Request => {
    const path = objectPath(phase.op, phase.sizeBytes, key);
    return phase.op === 'PUT'
      ? putRequest(path, phase.sizeBytes, targetHeaders)
      : { method: 'GET', path, headers: targetHeaders, expectedBytes: phase.sizeBytes };
  });
  return (n) => requests[n % KEYS_PER_PHASE]!;
}

/** Creates the bucket and writes every key the GET phases of `phases` read; any failure throws. */
export async function prepareTarget(
  endpoint: Endpoint,
  targetHeaders: Record<string, string>,
  concurrency: number,
  phases: readonly Phase[] = PHASES,
): Promise<void> {
  await sendS3Request(endpoint, {
    method: 'PUT',
    path: `/${BUCKET}`,
    headers: { ...targetHeaders, 'content-length': 0 },
  }).catch((error: unknown) => {
    // A target whose database outlives a run (the bench stack's PostgreSQL) still has the bucket.
    if (!(error instanceof Error && error.message.includes('BucketAlreadyOwnedByYou'))) throw error;
  });
  for (const phase of phases.filter((candidate) => candidate.op === 'GET')) {
    for (let first = 0; first < KEYS_PER_PHASE; first += concurrency) {
      const keys = Array.from({ length: Math.min(concurrency, KEYS_PER_PHASE - first) }, (_, i) => first + i);
      await Promise.all(
        keys.map((key) =>
          sendS3Request(
            endpoint,
            putRequest(objectPath('GET', phase.sizeBytes, key), phase.sizeBytes, targetHeaders),
          ),
        ),
      );
    }
    await verifyStoredBytes(endpoint, objectPath('GET', phase.sizeBytes, 0), phase.sizeBytes, targetHeaders);
  }
}

/** Reads one stored object back and compares every byte, since the load loop checks only lengths. */
async function verifyStoredBytes(
  endpoint: Endpoint,
  path: string,
  sizeBytes: number,
  targetHeaders: Record<string, string>,
): Promise<void> {
  const response = await fetch(`http://${endpoint.hostname}:${endpoint.port}${path}`, {
    headers: targetHeaders,
  });
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200 || !body.equals(payload(sizeBytes))) {
    throw new Error(
      `GET ${path}: HTTP ${response.status}, ${body.length} bytes that differ from what was PUT`,
    );
  }
}
