/**
 * The page's calls to the control plane it was served from (same origin). A mutating call sends
 * JSON with `content-type: application/json`, as the cross-site guard requires
 * (shared/http/control-plane-guard.ts): the browser adds this page's own `Origin`, which passes.
 */

/** A refusal or an unreachable control plane, with the message to show. */
export class ControlCallError extends Error {
  override readonly name = 'ControlCallError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 5000;

export async function getJson<T>(path: string): Promise<T> {
  return answerOf<T>(await call(path, { method: 'GET', headers: { accept: 'application/json' } }));
}

export async function sendJson<T>(method: 'POST' | 'DELETE', path: string, body: unknown = {}): Promise<T> {
  return answerOf<T>(
    await call(path, {
      method,
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}

async function call(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, { ...init, cache: 'no-store', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new ControlCallError(`${path}: ${(error as Error).message}`, 0);
  }
}

async function answerOf<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ControlCallError(
      `${response.status} ${error?.code ?? response.statusText}${error?.message ? `: ${error.message}` : ''}`,
      response.status,
    );
  }
  return body as T;
}
