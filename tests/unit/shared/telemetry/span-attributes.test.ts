import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
} from '@opentelemetry/semantic-conventions';
import {
  ATTR_AWS_S3_BUCKET,
  ATTR_AWS_S3_KEY,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
} from '@opentelemetry/semantic-conventions/incubating';
import { createHandler as createS3Api } from '../../../../functions/s3-api/handler.js';
import type { LambdaHandler } from '../../../../layers/compose-handler.js';
import {
  ATTR_BLOB_ID,
  ATTR_BLOB_SIZE,
  ATTR_CACHE_HIT,
  ATTR_CACHE_KEY_KIND,
  ATTR_CACHE_OPERATION,
  ATTR_METADATA_BACKEND,
  ATTR_STORAGE_NODE_ID,
  ATTR_STORAGE_NODE_IDS,
  ATTR_TASK_TYPE,
} from '../../../../shared/telemetry/span-attributes.js';
import { createTracing, tracePort } from '../../../../shared/telemetry/tracing.js';
import {
  apiEvent,
  createUnitRuntime,
  type EventInput,
  type UnitRuntime,
  unitContext,
} from '../../../support/unit-runtime.js';

/**
 * The options of a test tracer: a variable, not a literal, so it type-checks whether or not
 * TracingOptions names the service (`service`, required once tracers are per service).
 */
function tracingOptions(exporter: InMemorySpanExporter) {
  const options = { exporter, service: 's3-api' as const };
  return options;
}

const BUCKET = 'attr-bucket';
const BODY = 'twelve bytes';

// Port spans say what they touched: the runtime's ports, through the s3-api function.
describe('port span attributes', () => {
  let unit: UnitRuntime;
  let s3: LambdaHandler;
  const send = (input: EventInput) => s3(apiEvent(input), unitContext());
  const spansNamed = (name: string): ReadableSpan[] =>
    unit.spans.getFinishedSpans().filter((span) => span.name === name);

  beforeAll(async () => {
    unit = await createUnitRuntime();
    s3 = createS3Api(unit.runtime);
    await send({ method: 'PUT', path: `/${BUCKET}` });
  });

  afterAll(async () => {
    await unit.runtime.close();
  });

  it('a PutObject: storage (blob, size, replicas), node (node id), metadata (db, table, bucket, key), queue (system, queue, task type)', async () => {
    // Prepare
    unit.spans.reset();

    // Act
    const answer = await send({ method: 'PUT', path: `/${BUCKET}/dir/obj`, body: BODY });

    // Assess
    expect(answer.statusCode).toBe(200);
    const [put] = spansNamed('storage.put');
    expect(put?.attributes[ATTR_BLOB_ID]).toEqual(expect.any(String));
    expect(put?.attributes[ATTR_BLOB_SIZE]).toBe(BODY.length);
    const replicas = put?.attributes[ATTR_STORAGE_NODE_IDS] as string[];
    expect(replicas).toHaveLength(2);
    const nodePuts = spansNamed('node.put');
    expect(nodePuts.map((span) => span.attributes[ATTR_STORAGE_NODE_ID]).sort()).toEqual(
      [...replicas].sort(),
    );
    for (const span of nodePuts) {
      expect(span.parentSpanContext?.spanId).toBe(put?.spanContext().spanId);
      expect(span.attributes[ATTR_BLOB_ID]).toBe(put?.attributes[ATTR_BLOB_ID]);
    }
    const [commit] = spansNamed('metadata.putObject');
    expect(commit?.attributes).toMatchObject({
      [ATTR_DB_SYSTEM_NAME]: 'postgresql',
      [ATTR_METADATA_BACKEND]: 'pglite',
      [ATTR_DB_OPERATION_NAME]: 'putObject',
      [ATTR_DB_COLLECTION_NAME]: 'objects',
      [ATTR_AWS_S3_BUCKET]: BUCKET,
      [ATTR_AWS_S3_KEY]: 'dir/obj',
    });
    const [bucket] = spansNamed('metadata.getBucket');
    expect(bucket?.attributes).toMatchObject({
      [ATTR_DB_COLLECTION_NAME]: 'buckets',
      [ATTR_AWS_S3_BUCKET]: BUCKET,
    });
    const publishes = spansNamed('queue.publish');
    expect(publishes.length).toBeGreaterThan(0);
    for (const span of publishes) {
      expect(span.attributes).toMatchObject({
        [ATTR_MESSAGING_SYSTEM]: 'memory',
        [ATTR_MESSAGING_DESTINATION_NAME]: 'tasks',
        [ATTR_MESSAGING_OPERATION_TYPE]: 'send',
      });
      expect(span.attributes[ATTR_TASK_TYPE]).toEqual(expect.any(String));
    }
  });

  it('a GetObject: the cache read under its metadata span says miss then hit; the storage read its size', async () => {
    // Prepare
    await send({ method: 'PUT', path: `/${BUCKET}/cached`, body: BODY });
    unit.spans.reset();

    // Act
    await send({ method: 'GET', path: `/${BUCKET}/cached` });
    await send({ method: 'GET', path: `/${BUCKET}/cached` });

    // Assess
    const reads = spansNamed('metadata.getObject');
    expect(reads).toHaveLength(2);
    const cacheReads = reads.map((read) =>
      unit.spans
        .getFinishedSpans()
        .find(
          (span) =>
            span.name.startsWith('cache.get') && span.parentSpanContext?.spanId === read.spanContext().spanId,
        ),
    );
    expect(cacheReads.map((span) => span?.attributes[ATTR_CACHE_OPERATION])).toEqual(['getMany', 'getMany']);
    expect(cacheReads.map((span) => span?.attributes[ATTR_CACHE_KEY_KIND])).toEqual([
      expect.stringContaining('obj'),
      expect.stringContaining('obj'),
    ]);
    expect(cacheReads.map((span) => span?.attributes[ATTR_CACHE_HIT])).toEqual([false, true]);
    for (const get of spansNamed('storage.get')) expect(get.attributes[ATTR_BLOB_SIZE]).toBe(BODY.length);
  });
});

describe('tracePort', () => {
  const exporter = new InMemorySpanExporter();
  const tracing = createTracing(tracingOptions(exporter));

  afterAll(() => tracing.shutdown());

  it('a rejected call is an ERROR span with the error name as error.type and its message', async () => {
    // Prepare
    exporter.reset();
    const port = tracePort(tracing.tracer, 'storage', {
      get: async (_id: string): Promise<Buffer> => Promise.reject(new RangeError('no such blob')),
    });

    // Act
    await expect(port.get('b1')).rejects.toThrow('no such blob');

    // Assess
    const [span] = exporter.getFinishedSpans();
    expect(span?.kind).toBe(SpanKind.INTERNAL);
    expect(span?.attributes[ATTR_ERROR_TYPE]).toBe('RangeError');
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'RangeError: no such blob' });
  });

  it('a synchronous method still ends its span and returns as it did', () => {
    // Prepare
    exporter.reset();
    const port = tracePort(tracing.tracer, 'queue', { consume: (handler: string) => `consuming ${handler}` });

    // Act
    const value = port.consume('tasks');

    // Assess
    expect(value).toBe('consuming tasks');
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['queue.consume']);
  });
});
