import { type ControlAnswer, controlCall } from './faults.js';

/** Where the origins API is on the control plane (docs/openapi/origins.yaml). */
export const ORIGINS_BASE = '/api/v1/origins';

/**
 * One call to the origins API: `bucket` undefined is the collection. Returns the status and the
 * parsed JSON (raw text when it is not JSON), and the text as sent, for asserting what it leaves out.
 */
export async function originsCall<T = Record<string, unknown>>(
  adminEndpoint: string,
  method: string,
  bucket?: string,
  body?: unknown,
): Promise<ControlAnswer<T> & { text: string }> {
  const path = bucket === undefined ? ORIGINS_BASE : `${ORIGINS_BASE}/${encodeURIComponent(bucket)}`;
  return controlCall<T>(`${adminEndpoint}${path}`, method, body);
}

/** PUT /api/v1/origins/{bucket}; throws with the answer unless it is 200 or 201. */
export async function putOrigin(
  adminEndpoint: string,
  bucket: string,
  origin: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const answer = await originsCall(adminEndpoint, 'PUT', bucket, origin);
  if (answer.status !== 200 && answer.status !== 201) {
    throw new Error(`PUT ${ORIGINS_BASE}/${bucket} answered ${answer.status}: ${answer.text}`);
  }
  return answer.body;
}
