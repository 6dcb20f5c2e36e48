import { describe, expect, it } from '@jest/globals';
import { writeAtEndOfTurn } from '../../../../shared/http/end-of-turn-writes.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const ignore = () => undefined;

describe('writes at the end of the turn', () => {
  it('runs the writes of one turn together, in order, after that turn', async () => {
    const written: string[] = [];
    writeAtEndOfTurn(() => written.push('first'), ignore);
    await Promise.resolve();
    writeAtEndOfTurn(() => written.push('second'), ignore);
    expect(written).toEqual([]);
    await nextTurn();
    expect(written).toEqual(['first', 'second']);
  });

  it('leaves a write deferred by a running write to the next turn', async () => {
    const written: string[] = [];
    writeAtEndOfTurn(() => {
      written.push('first');
      writeAtEndOfTurn(() => written.push('started by first'), ignore);
    }, ignore);
    await nextTurn();
    expect(written).toEqual(['first']);
    await nextTurn();
    expect(written).toEqual(['first', 'started by first']);
  });

  it('reports a write that throws to its own handler and still runs the rest', async () => {
    const written: string[] = [];
    const failures: string[] = [];
    writeAtEndOfTurn(() => written.push('one'), ignore);
    writeAtEndOfTurn(
      () => {
        throw new Error('invalid header value');
      },
      (error) => failures.push((error as Error).message),
    );
    writeAtEndOfTurn(() => written.push('three'), ignore);
    await nextTurn();
    expect(written).toEqual(['one', 'three']);
    expect(failures).toEqual(['invalid header value']);
  });
});
