import { describe, expect, it } from '@jest/globals';
import { parseFaultHeader } from '../../../../shared/faults/header-fault.js';
import { RuleValidationError } from '../../../../shared/faults/validation.js';

function fieldOf(value: string, point?: Parameters<typeof parseFaultHeader>[1]): string {
  try {
    parseFaultHeader(value, point);
  } catch (error) {
    if (error instanceof RuleValidationError) return error.field;
    throw error;
  }
  throw new Error(`accepted: ${value}`);
}

describe('parseFaultHeader', () => {
  it.each([
    ['s3_error;code=SlowDown', { type: 's3_error', code: 'SlowDown' }],
    ['latency;ms=300', { type: 'latency', ms: 300 }],
    [' latency ; ms = 300 ; jitterMs=20 ', { type: 'latency', ms: 300, jitterMs: 20 }],
    ['s3_error;code=SlowDown;retryAfter=3', { type: 's3_error', code: 'SlowDown', retryAfter: 3 }],
    ['http_status;status=503;body=down', { type: 'http_status', status: 503, body: 'down' }],
    ['throttle;rps=0.5;per=key', { type: 'throttle', rps: 0.5, per: 'key' }],
    ['timeout', { type: 'timeout' }],
    ['timeout;', { type: 'timeout' }],
  ])('parses %s', (value, fault) => {
    // Act / Assess
    expect(parseFaultHeader(value)).toEqual(fault);
  });

  it.each([
    ['', 'x-mock-fault'],
    ['explode', 'x-mock-fault.type'],
    ['latency', 'x-mock-fault.ms'],
    ['latency;ms=fast', 'x-mock-fault.ms'],
    ['latency;ms=', 'x-mock-fault.ms'],
    ['latency;ms', 'x-mock-fault.ms'],
    ['latency;ms=1;ms=2', 'x-mock-fault.ms'],
    ['latency;ms=1;color=red', 'x-mock-fault.color'],
    ['latency;=1', 'x-mock-fault'],
    ['s3_error;code=NoSuchThing', 'x-mock-fault.code'],
    ['latency;ms=1;type=drop', 'x-mock-fault.type'],
  ])('refuses %j naming %s', (value, field) => {
    // Act / Assess
    expect(fieldOf(value)).toBe(field);
  });

  it('refuses a fault the point cannot inject', () => {
    // Act / Assess
    expect(fieldOf('reset', 'db.query')).toBe('x-mock-fault.type');
    expect(parseFaultHeader('reset', 'gateway.socket')).toEqual({ type: 'reset' });
  });
});
