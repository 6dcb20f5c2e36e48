import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_NAMESPACE } from '@opentelemetry/semantic-conventions';
import { type EmbeddedServer, s3Client, startEmbeddedServer } from '../support/e2e/server.js';
import { type OtlpReceiver, startOtlpReceiver } from '../support/telemetry/otlp-receiver.js';

jest.setTimeout(90_000);

/** The resource attributes of an OTLP/JSON export body (`resourceSpans`, `resourceLogs`, `resourceMetrics`). */
function resourcesOf(body: unknown): Array<Record<string, string | undefined>> {
  const groups = Object.values(
    body as Record<string, Array<{ resource: { attributes: OtlpAttribute[] } }>>,
  )[0];
  return (groups ?? []).map((group) =>
    Object.fromEntries(
      group.resource.attributes.map((attribute) => [attribute.key, attribute.value.stringValue]),
    ),
  );
}

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string };
}

let receiver: OtlpReceiver;
let server: EmbeddedServer;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  server = await startEmbeddedServer({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, LOG_LEVEL: 'info' },
  });
});

afterAll(async () => {
  await server?.stop();
  await receiver?.close();
});

describe('OTLP export from an embedded server (OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('sends its spans, log lines and metrics, each under service.name s3-api in namespace mock-s3', async () => {
    // Prepare
    const client = s3Client(server.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: 'otlp-export' }));

    // Act: a request, then a clean stop, which flushes every exporter
    await client.send(new PutObjectCommand({ Bucket: 'otlp-export', Key: 'k', Body: 'x' }));
    client.destroy();
    const stopped = await server.stop();

    // Assess
    expect(stopped.code).toBe(0);
    for (const path of ['/v1/traces', '/v1/logs', '/v1/metrics']) {
      const request = await receiver.next(path, 10_000);
      expect(resourcesOf(request.body)).toContainEqual(
        expect.objectContaining({ [ATTR_SERVICE_NAME]: 's3-api', [ATTR_SERVICE_NAMESPACE]: 'mock-s3' }),
      );
    }
    const logs = receiver.requests.filter((request) => request.path === '/v1/logs');
    expect(JSON.stringify(logs.map((request) => request.body))).toContain('mock-s3 ready');
    const metrics = receiver.requests.filter((request) => request.path === '/v1/metrics');
    expect(JSON.stringify(metrics.map((request) => request.body))).toContain('http_requests_total');
  });
});
