import {
  type Context,
  isSpanContextValid,
  type TextMapPropagator,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';

/** What the client needs of a propagator; `propagation` of @opentelemetry/api fits too. */
export type TraceInjector = Pick<TextMapPropagator, 'inject'>;

/**
 * W3C Trace Context injection (https://www.w3.org/TR/trace-context/): `traceparent` from the span
 * of the context, and its `tracestate`. The default of the HTTP client, so trace propagation does
 * not depend on a global propagator having been registered.
 */
export const w3cTraceContext: TraceInjector = {
  inject(context: Context, carrier: unknown, setter: TextMapSetter) {
    const span = trace.getSpanContext(context);
    if (!span || !isSpanContextValid(span)) return;
    const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
    setter.set(carrier, 'traceparent', `00-${span.traceId}-${span.spanId}-${flags}`);
    const state = span.traceState?.serialize();
    if (state) setter.set(carrier, 'tracestate', state);
  },
};
