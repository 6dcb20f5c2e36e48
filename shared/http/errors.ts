/** Base of the failures of a call between services (not of an HTTP status: responses are returned). */
export class HttpClientError extends Error {
  override readonly name: string = 'HttpClientError';
  constructor(
    message: string,
    readonly target: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The attempt did not finish in time (total limit) or the socket went idle too long. */
export class HttpTimeoutError extends HttpClientError {
  override readonly name = 'HttpTimeoutError';
}

/** Connecting, sending or reading failed (refused, reset, closed early). */
export class HttpConnectionError extends HttpClientError {
  override readonly name = 'HttpConnectionError';
}

/** The target's circuit breaker is open: the call was refused without touching the network. */
export class CircuitOpenError extends HttpClientError {
  override readonly name = 'CircuitOpenError';
  constructor(target: string, options?: ErrorOptions) {
    super(`circuit breaker open for ${target}`, target, options);
  }
}
