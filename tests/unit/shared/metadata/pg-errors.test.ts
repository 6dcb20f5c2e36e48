import { describe, expect, it } from '@jest/globals';
import { toMetadataError } from '../../../../shared/metadata/adapters/pg-errors.js';
import { MetadataUnavailableError } from '../../../../shared/metadata/ports.js';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('toMetadataError', () => {
  it.each(['40001', '40P01', '57014', '57P01', '57P03', '08006', '08001', '53300', '55P03'])(
    'maps SQLSTATE %s to MetadataUnavailableError carrying the sqlstate',
    (sqlstate) => {
      // Prepare
      const error = withCode('server said no', sqlstate);

      // Act
      const mapped = toMetadataError(error);

      // Assess
      expect(mapped).toBeInstanceOf(MetadataUnavailableError);
      expect(mapped).toMatchObject({ sqlstate, cause: error });
    },
  );

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'])(
    'maps socket error %s without a sqlstate',
    (code) => {
      // Act
      const mapped = toMetadataError(withCode(`connect ${code}`, code));

      // Assess
      expect(mapped).toBeInstanceOf(MetadataUnavailableError);
      expect((mapped as MetadataUnavailableError).sqlstate).toBeUndefined();
    },
  );

  it.each([
    'Connection terminated unexpectedly',
    'timeout exceeded when trying to connect',
    'Query read timeout',
  ])('maps the pg message "%s"', (message) => {
    expect(toMetadataError(new Error(message))).toBeInstanceOf(MetadataUnavailableError);
  });

  it.each(['23503', '23505', '42P01', '22021'])('leaves SQLSTATE %s for the caller', (sqlstate) => {
    // Prepare
    const error = withCode('constraint or bug', sqlstate);

    // Act / Assess
    expect(toMetadataError(error)).toBe(error);
  });

  it('leaves values that are not errors alone', () => {
    expect(toMetadataError('text')).toBe('text');
  });
});
