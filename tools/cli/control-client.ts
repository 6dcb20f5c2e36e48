/** A small client of the control plane (the injection API, the origins API), over the global `fetch`. */

export interface ControlRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Below `/api/v1/injection` (or absolute from `/api/`). */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
}

/** The control plane refused a request (or could not be reached). */
export class ControlApiError extends Error {
  override readonly name = 'ControlApiError';
  readonly status: number | undefined;
  readonly field: string | undefined;

  constructor(message: string, options?: ErrorOptions & { status?: number; field?: string }) {
    super(message, options);
    this.status = options?.status;
    this.field = options?.field;
  }
}

/** The URL of a control request on an endpoint such as `http://127.0.0.1:9000`. */
export function requestUrl(endpoint: string, request: ControlRequest): URL {
  const path = request.path.startsWith('/api/') ? request.path : `/api/v1/injection${request.path}`;
  const url = new URL(path, endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return url;
}

/**
 * Sends one control request and returns the parsed JSON answer.
 * @throws ControlApiError with the server's message (and field) on a non-2xx answer.
 */
export async function sendControl(
  endpoint: string,
  request: ControlRequest,
  signal?: AbortSignal,
): Promise<unknown> {
  const url = requestUrl(endpoint, request);
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      ...(request.body === undefined
        ? {}
        : { body: JSON.stringify(request.body), headers: { 'content-type': 'application/json' } }),
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ControlApiError(
      `cannot reach the control plane at ${url.origin}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const text = await response.text();
  const body = text === '' ? undefined : parseJson(text);
  if (response.ok) return body;
  const error = (body as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
  throw new ControlApiError(
    `${response.status} ${error?.code ?? response.statusText}: ${error?.message ?? (text || 'no message')}`,
    { status: response.status, ...(error?.field === undefined ? {} : { field: error.field }) },
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
