import {
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** W3C `traceparent` / `tracestate` as carried in headers or in a task message. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

const w3c = new W3CTraceContextPropagator();

type HeaderBag = Record<string, string | string[] | undefined>;

/**
 * The context a request arrived with: its W3C trace context (https://www.w3.org/TR/trace-context/)
 * on top of `base`. Header names are matched lower-case (every host here lower-cases them).
 * A missing or malformed `traceparent` gives `base` back: the request starts a new trace.
 */
export function contextFromHeaders(headers: HeaderBag, base: Context = context.active()): Context {
  return w3c.extract(base, headers, defaultTextMapGetter);
}

/** Adds `traceparent` (and `tracestate`) of the span in `ctx` to `headers`; returns `headers`. */
export function injectTraceHeaders<T extends Record<string, string>>(
  headers: T,
  ctx: Context = context.active(),
): T {
  w3c.inject(ctx, headers, defaultTextMapSetter);
  return headers;
}

/** The trace context of `ctx` as a carrier for a task message; undefined outside a span. */
export function traceCarrier(ctx: Context = context.active()): TraceCarrier | undefined {
  const carrier: Record<string, string> = {};
  w3c.inject(ctx, carrier, defaultTextMapSetter);
  return carrier.traceparent === undefined ? undefined : carrier;
}

/** Registers W3C trace context as the process's global propagator (for libraries that use it). */
export function registerW3cPropagator(): void {
  propagation.setGlobalPropagator(w3c);
}
