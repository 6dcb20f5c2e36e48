import { describe, expect, it } from '@jest/globals';
import { errorMapping } from '../../../layers/error-mapping.js';
import { MetadataUnavailableError } from '../../../shared/metadata/ports.js';
import { silentLogger } from '../../../shared/telemetry/logger.js';
import { apiEvent } from '../../support/unit-runtime.js';

/** What the error middleware answers for `error` thrown by a PutObject-like request. */
function answerTo(error: unknown): { statusCode?: number; body?: string } {
  const request = {
    event: apiEvent({ method: 'POST', path: '/bucket/key', query: 'uploads' }),
    context: { requestId: 'REQ1', operation: 'CreateMultipartUpload' },
    error,
    response: undefined as unknown,
    internal: {},
  };
  const { onError } = errorMapping({ format: 's3', logger: silentLogger });
  // biome-ignore lint/suspicious/noExplicitAny: the middy request is built by hand for one hook
  onError!(request as any);
  return request.response as { statusCode?: number; body?: string };
}

describe('error mapping of a full metadata disk', () => {
  it.each([
    ['PGlite (the raw database error)', Object.assign(new Error('could not extend file'), { code: '53100' })],
    [
      'PostgreSQL (wrapped by the pg adapter)',
      new MetadataUnavailableError('metadata backend unavailable', { sqlstate: '53100' }),
    ],
  ])('%s: 507 StorageFull', (_, error) => {
    // Act
    const answer = answerTo(error);

    // Assess
    expect(answer.statusCode).toBe(507);
    expect(answer.body).toContain('<Code>StorageFull</Code>');
  });

  it('other unavailable states stay a retryable 503', () => {
    // Act
    const answer = answerTo(new MetadataUnavailableError('timeout', { sqlstate: '57014' }));

    // Assess
    expect(answer.statusCode).toBe(503);
  });
});
