import { describe, expect, it } from '@jest/globals';
import { escapeLike, keyRangeConditions, prefixUpperBound } from '../../../../shared/metadata/key-range.js';

describe('escapeLike', () => {
  it('escapes %, _ and the backslash, nothing else', () => {
    expect(escapeLike('50%_off\\now*?')).toBe('50\\%\\_off\\\\now*?');
  });
});

describe('prefixUpperBound', () => {
  it.each([
    ['abc', 'abd'],
    ['a/', 'a0'],
    ['中', '丮'],
    ['\u{D7FF}', '\u{E000}'],
    ['x\u{10FFFF}', 'y'],
    ['😀', '😁'],
  ])('bounds %j by %j', (prefix, upper) => {
    expect(prefixUpperBound(prefix)).toBe(upper);
  });

  it('has no bound for a prefix of only the last code point', () => {
    expect(prefixUpperBound('\u{10FFFF}\u{10FFFF}')).toBeUndefined();
  });

  it('is above every key with the prefix and below the next prefix, in UTF-8 byte order', () => {
    // Prepare
    const prefix = 'dir/é';
    const upper = Buffer.from(prefixUpperBound(prefix) as string);

    // Act / Assess
    for (const key of ['dir/é', 'dir/é\u{10FFFF}', 'dir/é/zzz', 'dir/é中']) {
      expect(Buffer.compare(Buffer.from(key), upper)).toBeLessThan(0);
    }
    expect(Buffer.compare(Buffer.from('dir/ê'), upper)).toBeGreaterThanOrEqual(0);
  });
});

describe('keyRangeConditions', () => {
  it('adds nothing for an empty prefix', () => {
    // Prepare
    const params: unknown[] = ['bucket'];

    // Act
    const sql = keyRangeConditions('', params);

    // Assess
    expect(sql).toBe('');
    expect(params).toEqual(['bucket']);
  });

  it('numbers its parameters after the existing ones', () => {
    // Prepare
    const params: unknown[] = ['bucket', 'after'];

    // Act
    const sql = keyRangeConditions('a_%', params);

    // Assess
    expect(sql).toBe("AND key >= $3 AND key LIKE $4 ESCAPE '\\' AND key < $5");
    expect(params).toEqual(['bucket', 'after', 'a_%', 'a\\_\\%%', 'a_&']);
  });
});
