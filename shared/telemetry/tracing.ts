import { type Attributes, context, type Span, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { OtlpSignalExport } from '../config/env.js';
import { otlpExporterUrl } from './otlp-exporter-url.js';
import { serviceResource } from './resource.js';
import type { ServiceName } from './service-names.js';

/** The instrumentation scope of every tracer here (the service is the resource's, not the scope's). */
export const TRACER_NAME = 'mock-s3';

let contextManagerRegistered = false;

/** Tracers whose spans go somewhere (an exporter is configured); see `isRecording`. */
const recordingTracers = new WeakSet<Tracer>();

export interface TracingOptions {
  /** The service whose tracer `tracer` is (the process's main one). */
  service: ServiceName;
  /** OTLP/HTTP endpoint (e.g. http://127.0.0.1:4318): spans go to `<endpoint>/v1/traces`. */
  otlpEndpoint?: string;
  /**
   * `config.otlpExport`: `off` exports no span even with an endpoint; `signal-endpoint` builds
   * the exporter without a url, so the SDK reads `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` itself
   * (headers and timeout, `OTEL_EXPORTER_OTLP_[TRACES_]HEADERS|TIMEOUT`, it always reads).
   */
  otlpExport?: { traces?: OtlpSignalExport };
  /** An exporter of one's own, fed each span as it ends (tests use InMemorySpanExporter). */
  exporter?: SpanExporter;
  /** Resource attributes of this process beside the service's (e.g. `storage.node.id`). */
  resourceAttributes?: Attributes;
}

export interface Tracing {
  /** The tracer of `options.service`. */
  tracer: Tracer;
  /** The tracer of `service` (made on first use): its spans carry that service's resource. */
  tracerFor(service: ServiceName): Tracer;
  /** Flushes and stops every exporter; resolves once done. Safe to call more than once. */
  shutdown(): Promise<void>;
}

/**
 * Creates the tracers behind every span of this process: one provider per service it hosts, each
 * with its resource (`serviceResource`), all feeding the same processors (one export queue).
 * Sampling follows `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` (read by the SDK's provider).
 *
 * With no exporter nothing would ever read a span, so the tracers are marked as not recording:
 * request spans are skipped and ports are left unwrapped (`isRecording`), which saves a span, a
 * context switch and a Proxy trap per call on the hot path (measured: a few percent of a 1 KiB GET).
 */
export function createTracing(options: TracingOptions): Tracing {
  const processors: SpanProcessor[] = [];
  if (options.exporter) processors.push(new SimpleSpanProcessor(options.exporter));
  const otlpUrl = otlpExporterUrl('traces', options.otlpEndpoint, options.otlpExport?.traces);
  if (otlpUrl !== false) {
    processors.push(
      new BatchSpanProcessor(new OTLPTraceExporter(otlpUrl === undefined ? {} : { url: otlpUrl })),
    );
  }
  // The active span must follow a request across awaits, so port calls become its children.
  if (!contextManagerRegistered) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextManagerRegistered = true;
  }
  const providers = new Map<ServiceName, { provider: BasicTracerProvider; tracer: Tracer }>();
  const tracerFor = (service: ServiceName): Tracer => {
    const known = providers.get(service);
    if (known) return known.tracer;
    const provider = new BasicTracerProvider({
      resource: serviceResource(service, options.resourceAttributes),
      spanProcessors: processors,
    });
    const tracer = provider.getTracer(TRACER_NAME);
    if (processors.length > 0) recordingTracers.add(tracer);
    providers.set(service, { provider, tracer });
    return tracer;
  };
  const tracer = tracerFor(options.service);
  let shutdown: Promise<void> | undefined;
  return {
    tracer,
    tracerFor,
    shutdown() {
      // The providers share their processors: flushing each once is enough (and a processor's own
      // shutdown is idempotent).
      shutdown ??= Promise.all(processors.map((processor) => processor.shutdown())).then(() => undefined);
      return shutdown;
    },
  };
}

/** Runs `work` inside a child span of the active one; records a thrown error on the span. */
export async function inSpan<T>(tracer: Tracer, name: string, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** True when spans of `tracer` reach an exporter; a tracer that is not recording may be skipped. */
export function isRecording(tracer: Tracer): boolean {
  return recordingTracers.has(tracer);
}

/**
 * Describes the calls of one port for its spans (see span-attributes.ts): from the arguments, then
 * from the result.
 */
export interface PortSpanAttributes {
  /** Attributes known when the call starts (given at span start). */
  call?(method: string, args: readonly unknown[]): Attributes | undefined;
  /** Attributes known once the call resolved with `value`. */
  result?(method: string, value: unknown): Attributes | undefined;
}

/**
 * Wraps every method of a port so each call is a span named `<port>.<method>`: the port calls of
 * a request show up under its request span without touching the adapters. `attributes` says what
 * each call touched (see span-attributes.ts: node id, table, queue, cache key kind...).
 *
 * With a tracer that is not recording (no exporter) the port is returned as it is. A port span is
 * the active span while its call runs, so what happens inside is recorded where it acted: a fault
 * firing at a storage node adds its `fault.injected` event to that node's span, and a call one
 * port makes to another (metadata -> cache, storage -> node -> HTTP client) is its child. Each
 * method's wrapper is made once and reused, not on every property read.
 */
export function tracePort<T extends object>(
  tracer: Tracer,
  portName: string,
  port: T,
  attributes: PortSpanAttributes = {},
): T {
  // Spans nobody exports are not worth a Proxy trap and a span per call.
  if (!isRecording(tracer)) return port;
  const wrappers = new Map<string, { method: (...args: unknown[]) => unknown; wrapper: unknown }>();
  return new Proxy(port, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const known = wrappers.get(property);
      if (known?.method === value) return known.wrapper;
      const method = value as (...args: unknown[]) => unknown;
      const spanName = `${portName}.${property}`;
      const wrapper = (...args: unknown[]) => {
        const parent = context.active();
        const span = tracer.startSpan(
          spanName,
          { attributes: attributes.call?.(property, args) ?? {} },
          parent,
        );
        let result: unknown;
        try {
          result = context.with(trace.setSpan(parent, span), () => method.apply(target, args));
        } catch (error) {
          failed(span, error);
          throw error;
        }
        // A synchronous method (`consume`, `listAll` handing out an iterator) is over already.
        if (!(result instanceof Promise)) {
          span.end();
          return result;
        }
        return endWhenSettled(span, result, (resolved) => attributes.result?.(property, resolved));
      };
      wrappers.set(property, { method, wrapper });
      return wrapper;
    },
  });
}

/**
 * Ends `span` when `work` settles, with the attributes `describe` finds in the value, or the
 * rejection recorded on it; resolves as `work` does.
 */
function endWhenSettled<T>(
  span: Span,
  work: Promise<T>,
  describe: (value: T) => Attributes | undefined,
): Promise<T> {
  return work.then(
    (value) => {
      const attributes = describe(value);
      if (attributes) span.setAttributes(attributes);
      span.end();
      return value;
    },
    (error: unknown) => {
      failed(span, error);
      throw error;
    },
  );
}

/** Records `error` on `span` (ERROR, with the error's name and message) and ends it. */
function failed(span: Span, error: unknown): void {
  span.recordException(error as Error);
  const name = (error as Error | undefined)?.name ?? 'Error';
  span.setAttribute('error.type', name);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: `${name}: ${(error as Error | undefined)?.message ?? String(error)}`,
  });
  span.end();
}

export { trace };
