import { describe, expect, it } from '@jest/globals';
import {
  deserializeError,
  serializeError,
} from '../../../../../shared/metadata/adapters/pglite-thread-protocol.js';

/** What the main thread rebuilds from what the PGlite thread threw (through structured clone). */
const roundTrip = (thrown: unknown): Error => deserializeError(structuredClone(serializeError(thrown)));

describe('PGlite thread errors across the thread boundary', () => {
  it('keeps an Error’s message, name and SQLSTATE code', () => {
    const thrown = Object.assign(new TypeError('relation "objects" does not exist'), { code: '42P01' });
    const error = roundTrip(thrown);
    expect(error.message).toBe('relation "objects" does not exist');
    expect(error.name).toBe('TypeError');
    expect((error as Error & { code?: string }).code).toBe('42P01');
  });

  it('keeps the message and fields of a thrown object that is not an Error', () => {
    const error = roundTrip({
      message: 'could not open file "base/1/1259"',
      code: '58P01',
      severity: 'ERROR',
    });
    expect(error.message).toBe('could not open file "base/1/1259"');
    expect((error as Error & { code?: string }).code).toBe('58P01');
  });

  it('describes a thrown object without a message by its fields, never as [object Object]', () => {
    // Emscripten's ExitStatus-like values carry a status and no message.
    const error = roundTrip({ name: 'ExitStatus', status: 1 });
    expect(error.message).not.toContain('[object Object]');
    expect(error.message).toContain('status');
    expect(error.message).toContain('1');
  });

  it('describes an Error whose message is empty by what else it carries', () => {
    const error = roundTrip(Object.assign(new Error(''), { errno: -28, code: 'ENOSPC' }));
    expect(error.message).toContain('ENOSPC');
  });

  it('keeps a thrown string as the message', () => {
    expect(roundTrip('abort(OOM)').message).toBe('abort(OOM)');
  });
});
