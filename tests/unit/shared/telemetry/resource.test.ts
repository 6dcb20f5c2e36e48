import { afterEach, describe, expect, it } from '@jest/globals';
import {
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_NAMESPACE,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';
import { serviceResource } from '../../../../shared/telemetry/resource.js';

const saved = { name: process.env.OTEL_SERVICE_NAME, attributes: process.env.OTEL_RESOURCE_ATTRIBUTES };

afterEach(() => {
  // The SDK's detector reads the process environment itself: put it back as it was.
  for (const [variable, value] of [
    ['OTEL_SERVICE_NAME', saved.name],
    ['OTEL_RESOURCE_ATTRIBUTES', saved.attributes],
  ] as const) {
    if (value === undefined) delete process.env[variable];
    else process.env[variable] = value;
  }
});

describe('serviceResource', () => {
  it('names the service in the mock-s3 namespace, with the version and an instance id', () => {
    // Prepare
    delete process.env.OTEL_SERVICE_NAME;
    delete process.env.OTEL_RESOURCE_ATTRIBUTES;

    // Act
    const attributes = serviceResource('s3-api', { 'storage.node.id': 'node-1' }).attributes;

    // Assess
    expect(attributes[ATTR_SERVICE_NAME]).toBe('s3-api');
    expect(attributes[ATTR_SERVICE_NAMESPACE]).toBe('mock-s3');
    expect(attributes[ATTR_SERVICE_VERSION]).toMatch(/^\d+\.\d+\.\d+/);
    expect(attributes[ATTR_SERVICE_INSTANCE_ID]).toMatch(/^[0-9a-f-]{36}$/);
    expect(attributes['storage.node.id']).toBe('node-1');
    expect(attributes['telemetry.sdk.language']).toBe('nodejs');
  });

  it('gives one process one instance id for every service it hosts', () => {
    // Act
    const api = serviceResource('s3-api').attributes;
    const admin = serviceResource('admin').attributes;

    // Assess
    expect(admin[ATTR_SERVICE_NAME]).toBe('admin');
    expect(admin[ATTR_SERVICE_INSTANCE_ID]).toBe(api[ATTR_SERVICE_INSTANCE_ID]);
  });

  it('lets OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over its own attributes', () => {
    // Prepare
    process.env.OTEL_SERVICE_NAME = 'my-s3';
    process.env.OTEL_RESOURCE_ATTRIBUTES = 'service.namespace=drills,deployment.environment.name=ci';

    // Act
    const attributes = serviceResource('s3-api').attributes;

    // Assess
    expect(attributes[ATTR_SERVICE_NAME]).toBe('my-s3');
    expect(attributes[ATTR_SERVICE_NAMESPACE]).toBe('drills');
    expect(attributes['deployment.environment.name']).toBe('ci');
  });
});
