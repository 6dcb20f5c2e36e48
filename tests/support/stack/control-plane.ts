/**
 * One request to the control plane under `origin` (`http://127.0.0.1:9000`, or one
 * serverless-offline instance): `path` below `/api/v1`, `body` sent as JSON when given.
 */
export function controlRequest(
  origin: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs?: number,
): Promise<Response> {
  return fetch(`${origin}/api/v1${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    ...(timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) }),
  });
}
