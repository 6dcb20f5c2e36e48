/**
 * The `service.name` of each part (OpenTelemetry resource), all in one `service.namespace`. A
 * process that hosts several services (embedded mode, a serverless-offline instance) has one
 * tracer per service, so Jaeger shows `s3-api`, `admin`, ... as in a deployment on Lambda.
 * `OTEL_SERVICE_NAME` set by the user wins over these (the SDK's resource precedence).
 */
export const SERVICE_NAMESPACE = 'mock-s3';

export type ServiceName =
  | 's3-api'
  | 'storage'
  | 'metadata'
  | 'async'
  | 'injection'
  | 'admin'
  | 'config'
  | 'gateway'
  | 'gateway-front'
  | 'storage-node';
