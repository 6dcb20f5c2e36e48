/** A JSON answer of the fault control API: status and parsed body (undefined when not JSON). */
export interface ControlAnswer {
  readonly status: number;
  readonly body: unknown;
}

const CONTROL_TIMEOUT_MS = 5_000;

/** Refuses any origin but loopback: benchmark traffic never leaves the machine. */
export function loopbackOrigin(url: string): string {
  const parsed = new URL(url);
  if (parsed.hostname !== '127.0.0.1') throw new Error(`benchmark traffic stays on loopback, not ${url}`);
  return parsed.origin;
}

/** Sends one request to `/api/v1/injection/<path>` of `origin` and reads the JSON answer. */
export async function callControl(
  origin: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<ControlAnswer> {
  const response = await fetch(`${loopbackOrigin(origin)}/api/v1/injection/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed };
}

/** Like {@link callControl}, but anything other than `expected` throws with the answer in the message. */
export async function expectControl(
  origin: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  expected: number,
  body?: unknown,
): Promise<unknown> {
  const answer = await callControl(origin, method, path, body);
  if (answer.status !== expected) {
    throw new Error(
      `${method} ${path}: HTTP ${answer.status}, expected ${expected}: ${JSON.stringify(answer.body)?.slice(0, 300)}`,
    );
  }
  return answer.body;
}
