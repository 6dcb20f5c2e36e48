import type { OtlpReceiver } from './otlp-receiver.js';

/** One span of an OTLP/JSON trace export, flattened with its resource's `service.name`. */
export interface ExportedSpan {
  service: string;
  /** The attributes of the resource that exported it. */
  resource: Record<string, string | number | boolean>;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, string | number | boolean>;
  status: { code?: number; message?: string };
  events: { name: string; attributes: Record<string, string | number | boolean> }[];
}

/** OTLP status codes: 2 is ERROR. */
export const OTLP_STATUS_ERROR = 2;
export const OTLP_KIND_SERVER = 2;

type AnyValue = {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
};
type KeyValue = { key: string; value: AnyValue };

function attributesOf(list: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    out[key] = value.stringValue ?? value.boolValue ?? value.doubleValue ?? Number(value.intValue);
  }
  return out;
}

/** The spans of one `/v1/traces` body (the JSON the `-otlp-http` exporters send, ids in hex). */
export function spansOf(body: unknown): ExportedSpan[] {
  const spans: ExportedSpan[] = [];
  const resourceSpans = (body as { resourceSpans?: unknown[] } | null)?.resourceSpans ?? [];
  for (const resourceSpan of resourceSpans as {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: { spans?: Record<string, unknown>[] }[];
  }[]) {
    const resource = attributesOf(resourceSpan.resource?.attributes);
    const service = String(resource['service.name'] ?? '');
    for (const scope of resourceSpan.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        const parent = span.parentSpanId as string | undefined;
        spans.push({
          service,
          resource,
          name: span.name as string,
          kind: span.kind as number,
          traceId: span.traceId as string,
          spanId: span.spanId as string,
          ...(parent ? { parentSpanId: parent } : {}),
          attributes: attributesOf(span.attributes as KeyValue[]),
          status: (span.status as ExportedSpan['status']) ?? {},
          events: ((span.events as { name: string; attributes?: KeyValue[] }[]) ?? []).map((event) => ({
            name: event.name,
            attributes: attributesOf(event.attributes),
          })),
        });
      }
    }
  }
  return spans;
}

/** The spans a receiver has got so far, kept across waits. */
export interface SpanCollector {
  /**
   * The first span exported (already, or within `timeoutMs`) that satisfies `predicate`. Each
   * trace export is taken off the receiver once read, so the wait is on the next export.
   */
  find(predicate: (span: ExportedSpan) => boolean, timeoutMs?: number): Promise<ExportedSpan>;
}

export function collectSpans(receiver: OtlpReceiver): SpanCollector {
  const seen: ExportedSpan[] = [];
  const take = () => {
    for (let i = 0; i < receiver.requests.length; ) {
      const request = receiver.requests[i]!;
      if (request.path !== '/v1/traces') {
        i += 1;
        continue;
      }
      receiver.requests.splice(i, 1);
      seen.push(...spansOf(request.body));
    }
  };
  return {
    async find(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        take();
        const found = seen.find(predicate);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) {
          const names = seen.map((span) => `${span.service}:${span.name}`).join(', ');
          throw new Error(`no such span exported within ${timeoutMs} ms; exported: ${names}`);
        }
        await receiver.next('/v1/traces', left).catch(() => undefined);
      }
    },
  };
}
