import { describe, expect, it } from '@jest/globals';
import { parseRange } from '../../../../shared/s3/range.js';
import { s3ErrorOf } from './s3-error.js';

describe('parseRange', () => {
  it.each([
    ['bytes=0-0', { start: 0, end: 0 }],
    ['bytes=2-5', { start: 2, end: 5 }],
    ['bytes=2-', { start: 2, end: 9 }],
    ['bytes=-3', { start: 7, end: 9 }],
    ['bytes=-100', { start: 0, end: 9 }],
    ['bytes=5-100', { start: 5, end: 9 }],
    ['bytes=9-9', { start: 9, end: 9 }],
  ])('reads %s of a 10-byte object as %j', (header, expected) => {
    expect(parseRange(header, 10)).toEqual(expected);
  });

  it.each([
    ['no header', undefined],
    ['another unit', 'items=0-1'],
    ['several ranges', 'bytes=0-1,3-4'],
    ['an end before the start', 'bytes=5-2'],
    ['no numbers', 'bytes=-'],
    ['garbage', 'bytes=a-b'],
    ['a negative start', 'bytes=--1'],
  ])('ignores %s and serves the whole object', (_name, header) => {
    expect(parseRange(header, 10)).toBeUndefined();
  });

  it.each([
    ['a start at the end', 'bytes=10-', 10],
    ['a start past the end', 'bytes=20-30', 10],
    ['the suffix -0', 'bytes=-0', 10],
    ['any range of an empty object', 'bytes=0-', 0],
    ['a suffix of an empty object', 'bytes=-5', 0],
  ])('answers %s with InvalidRange and the size', (_name, header, size) => {
    // Act
    const error = s3ErrorOf(() => parseRange(header, size));

    // Assess
    expect([error.code, error.status, error.detail]).toEqual([
      'InvalidRange',
      416,
      { RangeRequested: header, ActualObjectSize: String(size) },
    ]);
  });
});
