import { describe, expect, it } from '@jest/globals';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';

// patches/@middy+core+7.9.2.patch creates the handler's AbortController only when the handler
// reads the signal or the early timeout fires; what a handler sees must stay as in stock Middy.
const lambdaContext = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs }) as Context;

describe('the Middy abort signal', () => {
  it('is aborted when the early timeout answers for a handler that reads it', async () => {
    let seen: AbortSignal | undefined;
    const handler = middy(
      async (_event: unknown, _context: Context, { signal }: { signal: AbortSignal }) => {
        seen = signal;
        await new Promise((resolve) => setTimeout(resolve, 200));
        return 'handler';
      },
      { timeoutEarlyInMillis: 5, timeoutEarlyResponse: () => 'timed out' },
    );
    await expect(handler({}, lambdaContext(30))).resolves.toBe('timed out');
    expect(seen?.aborted).toBe(true);
  });

  it('is a fresh, live signal for every request', async () => {
    const seen: AbortSignal[] = [];
    const handler = middy(async (_event: unknown, _context: Context, { signal }: { signal: AbortSignal }) => {
      seen.push(signal);
      return seen.length;
    });
    await handler({}, lambdaContext(10_000));
    await handler({}, lambdaContext(10_000));
    expect(seen).toHaveLength(2);
    expect(seen[0]).not.toBe(seen[1]);
    expect(seen.map((signal) => signal.aborted)).toEqual([false, false]);
  });

  it('costs no AbortController for a handler that never reads the signal', async () => {
    const Stock = globalThis.AbortController;
    let created = 0;
    globalThis.AbortController = class extends Stock {
      constructor() {
        super();
        created += 1;
      }
    };
    try {
      const ignoring = middy(async () => 'ok');
      const reading = middy(async (_event: unknown, _context: Context, { signal }: { signal: AbortSignal }) =>
        String(signal.aborted),
      );
      for (let i = 0; i < 5; i++) await ignoring({}, lambdaContext(10_000));
      const ignored = created;
      for (let i = 0; i < 5; i++) await reading({}, lambdaContext(10_000));
      expect({ ignored, read: created - ignored }).toEqual({ ignored: 0, read: 5 });
    } finally {
      globalThis.AbortController = Stock;
    }
  });
});
