import { describe, expect, it } from '@jest/globals';
import { context, TraceFlags, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createLogger } from '../../../../shared/telemetry/logger.js';
import { createTracing } from '../../../../shared/telemetry/tracing.js';

/** A logger writing into an array, with a fixed clock. */
function capture() {
  const lines: string[] = [];
  const logger = createLogger(
    { level: 'info', write: (line) => lines.push(line), clock: () => new Date(0) },
    { service: 'test' },
  );
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes one JSON object per line with the bound fields, dropping levels below its own', () => {
    // Prepare
    const { logger, lines } = capture();

    // Act
    logger.debug('hidden');
    logger.info('shown', { bucket: 'b' });

    // Assess
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { time: '1970-01-01T00:00:00.000Z', level: 'info', message: 'shown', service: 'test', bucket: 'b' },
    ]);
  });

  it('renders an error with its whole cause chain, the errors of an AggregateError included', () => {
    // Prepare: what a GET with no readable replica raises
    const { logger, lines } = capture();
    const replicas = new AggregateError(
      [new Error('circuit breaker open for node-2'), new Error('blob missing on node-3')],
      'no good replica',
    );
    const error = new Error('storage unavailable', { cause: replicas });

    // Act
    logger.warn('request answered with a server error', { error });

    // Assess
    expect(JSON.parse(lines[0]!).error).toEqual({
      name: 'Error',
      message: 'storage unavailable',
      cause: {
        name: 'AggregateError',
        message: 'no good replica',
        errors: [
          { name: 'Error', message: 'circuit breaker open for node-2' },
          { name: 'Error', message: 'blob missing on node-3' },
        ],
      },
    });
  });

  it('writes a cause that is not an Error as text, even one JSON cannot render', () => {
    // Prepare
    const { logger, lines } = capture();
    const circular: Record<string, unknown> = { reason: 'loop' };
    circular.self = circular;

    // Act
    logger.error('failed', { error: new Error('outer', { cause: circular }) });

    // Assess
    expect(JSON.parse(lines[0]!).error).toEqual({
      name: 'Error',
      message: 'outer',
      cause: '[object Object]',
    });
  });

  it('writes every field name in snake_case, bound ones included, leaving nested objects as they are', () => {
    // Prepare
    const { logger, lines } = capture();

    // Act
    logger.child({ nodeId: 'node-2' }).warn('replica missing', {
      requestId: 'r1',
      HTTPStatus: 503,
      'blob-id': 'b1',
      'fault.rule_id': 'slow',
      replicas: { stillWanted: 2 },
    });

    // Assess
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'warn',
      message: 'replica missing',
      service: 'test',
      node_id: 'node-2',
      request_id: 'r1',
      http_status: 503,
      blob_id: 'b1',
      'fault.rule_id': 'slow',
      replicas: { stillWanted: 2 },
    });
  });

  it('adds trace_id and span_id to a line written inside a sampled span, and only there', async () => {
    // Prepare
    const tracing = createTracing({ service: 's3-api', exporter: new InMemorySpanExporter() });
    const { logger, lines } = capture();

    // Act
    const ids = tracing.tracer.startActiveSpan('GET /{bucket}/{key+}', (span) => {
      logger.info('inside');
      span.end();
      return span.spanContext();
    });
    logger.info('outside');

    // Assess
    const [inside, outside] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(inside).toMatchObject({ message: 'inside', trace_id: ids.traceId, span_id: ids.spanId });
    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(outside).not.toHaveProperty('trace_id');
    expect(outside).not.toHaveProperty('span_id');
    await tracing.shutdown();
  });

  it('names no trace for a span that is not sampled (it is exported nowhere)', async () => {
    // Prepare: the context of a caller that chose not to sample (traceparent flags 00)
    const tracing = createTracing({ service: 's3-api', exporter: new InMemorySpanExporter() });
    const { logger, lines } = capture();
    const unsampled = trace.setSpanContext(context.active(), {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
    });

    // Act
    context.with(unsampled, () => logger.info('unsampled'));

    // Assess
    expect(JSON.parse(lines[0]!)).not.toHaveProperty('trace_id');
    await tracing.shutdown();
  });
});
