import { describe, expect, it } from '@jest/globals';
import { createLogger } from '../../../../shared/telemetry/logger.js';

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
});
