import type { ExportResult } from '@opentelemetry/core';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * An in-memory span exporter a test can wait on: `ended(predicate)` resolves with the first
 * finished span that satisfies it, as soon as it is exported (spans end when a response closes,
 * after the client already has its answer), or rejects after `timeoutMs`.
 */
export class AwaitableSpanExporter extends InMemorySpanExporter {
  readonly #waiters = new Set<() => void>();

  override export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    super.export(spans, resultCallback);
    for (const wake of [...this.#waiters]) wake();
  }

  ended(predicate: (span: ReadableSpan) => boolean, timeoutMs = 5_000): Promise<ReadableSpan> {
    const found = () => this.getFinishedSpans().find(predicate);
    const now = found();
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        const names = this.getFinishedSpans().map((span) => span.name);
        reject(new Error(`no such span ended within ${timeoutMs} ms; ended: ${names.join(', ')}`));
      }, timeoutMs);
      const wake = () => {
        const span = found();
        if (!span) return;
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve(span);
      };
      this.#waiters.add(wake);
    });
  }
}

/** A W3C `traceparent` of a remote caller, sampled. */
export function callerTraceparent(traceId = '0af7651916cd43dd8448eb211c80319c', spanId = 'b7ad6b7169203331') {
  return { traceparent: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

/** The parts of a `traceparent` header. */
export function parseTraceparent(value: string | undefined): { traceId: string; spanId: string } | undefined {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(value ?? '');
  return match ? { traceId: match[1]!, spanId: match[2]! } : undefined;
}
