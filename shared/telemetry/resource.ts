import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Attributes } from '@opentelemetry/api';
import {
  defaultResource,
  detectResources,
  envDetector,
  type Resource,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_NAMESPACE,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';
import { findUp } from '../runtime/find-up.js';
import { SERVICE_NAMESPACE, type ServiceName } from './service-names.js';

/**
 * One id for this process: every service it hosts is an instance of that service living here
 * (the spec asks the id to be unique per service name and namespace, which one UUID per process is).
 */
const PROCESS_INSTANCE_ID = randomUUID();

let projectVersion: string | null | undefined;

/**
 * The OpenTelemetry resource of `service` in this process: `service.name`, `service.namespace`
 * (`mock-s3`), `service.version` (package.json) and `service.instance.id`, plus `attributes`
 * (e.g. a storage node's id), over the SDK's defaults (`telemetry.sdk.*`). The SDK's environment
 * detector is merged last, so `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` win as the
 * specification says they do.
 */
export function serviceResource(service: ServiceName, attributes: Attributes = {}): Resource {
  const version = packageVersion();
  const ours = resourceFromAttributes({
    ...attributes,
    [ATTR_SERVICE_NAME]: service,
    [ATTR_SERVICE_NAMESPACE]: SERVICE_NAMESPACE,
    [ATTR_SERVICE_INSTANCE_ID]: PROCESS_INSTANCE_ID,
    ...(version === undefined ? {} : { [ATTR_SERVICE_VERSION]: version }),
  });
  return defaultResource()
    .merge(ours)
    .merge(detectResources({ detectors: [envDetector] }));
}

/** The project's version from its package.json, read once; undefined where none ships (a bare bundle). */
function packageVersion(): string | undefined {
  if (projectVersion === undefined) {
    try {
      const manifest = JSON.parse(readFileSync(findUp('package.json', import.meta.url), 'utf8')) as {
        version?: unknown;
      };
      projectVersion = typeof manifest.version === 'string' ? manifest.version : null;
    } catch {
      projectVersion = null;
    }
  }
  return projectVersion ?? undefined;
}
