import { describe, expect, it } from '@jest/globals';
import { checkConditions, checkCopySourceConditions } from '../../../../shared/s3/conditions.js';
import { S3Error } from '../../../../shared/s3/errors.js';
import { s3ErrorOf } from './s3-error.js';

const OBJECT = {
  etag: '"25f9e794323b453885f5181f1b624d0b"',
  lastModified: new Date('2024-05-01T12:00:00.400Z'),
};
const ETAG = OBJECT.etag;
const OTHER_ETAG = '"d41d8cd98f00b204e9800998ecf8427e"';
const BEFORE = 'Wed, 01 May 2024 11:00:00 GMT';
const SAME_SECOND = 'Wed, 01 May 2024 12:00:00 GMT';
const AFTER = 'Wed, 01 May 2024 13:00:00 GMT';

type Headers = Record<string, string>;

function outcome(act: () => void): string {
  try {
    act();
    return 'proceed';
  } catch (error) {
    return error instanceof S3Error ? error.code : String(error);
  }
}

describe('checkConditions', () => {
  it.each<[string, Headers, string]>([
    ['no conditions', {}, 'proceed'],
    ['If-Match with the quoted ETag', { 'if-match': ETAG }, 'proceed'],
    ['If-Match with the unquoted ETag', { 'if-match': ETAG.slice(1, -1) }, 'proceed'],
    ['If-Match *', { 'if-match': '*' }, 'proceed'],
    ['If-Match with a list holding the ETag', { 'if-match': `${OTHER_ETAG}, ${ETAG}` }, 'proceed'],
    ['If-Match with another ETag', { 'if-match': OTHER_ETAG }, 'PreconditionFailed'],
    ['If-None-Match with the ETag', { 'if-none-match': ETAG }, 'NotModified'],
    ['If-None-Match with a weak form of the ETag', { 'if-none-match': `W/${ETAG}` }, 'NotModified'],
    ['If-None-Match *', { 'if-none-match': '*' }, 'NotModified'],
    ['If-None-Match with another ETag', { 'if-none-match': OTHER_ETAG }, 'proceed'],
    ['If-Modified-Since before the change', { 'if-modified-since': BEFORE }, 'proceed'],
    ['If-Modified-Since in the same second', { 'if-modified-since': SAME_SECOND }, 'NotModified'],
    ['If-Modified-Since after the change', { 'if-modified-since': AFTER }, 'NotModified'],
    ['If-Unmodified-Since before the change', { 'if-unmodified-since': BEFORE }, 'PreconditionFailed'],
    ['If-Unmodified-Since in the same second', { 'if-unmodified-since': SAME_SECOND }, 'proceed'],
    ['If-Unmodified-Since after the change', { 'if-unmodified-since': AFTER }, 'proceed'],
    ['an invalid If-Modified-Since', { 'if-modified-since': 'yesterday' }, 'proceed'],
    ['an invalid If-Unmodified-Since', { 'if-unmodified-since': 'not a date' }, 'proceed'],
    [
      'If-Match true and If-Unmodified-Since false',
      { 'if-match': ETAG, 'if-unmodified-since': BEFORE },
      'proceed',
    ],
    [
      'If-None-Match false and If-Modified-Since true',
      { 'if-none-match': ETAG, 'if-modified-since': BEFORE },
      'NotModified',
    ],
    [
      'If-None-Match true and If-Modified-Since false',
      { 'if-none-match': OTHER_ETAG, 'if-modified-since': AFTER },
      'proceed',
    ],
    [
      'If-Match false and If-None-Match false',
      { 'if-match': OTHER_ETAG, 'if-none-match': ETAG },
      'PreconditionFailed',
    ],
  ])('with %s: %s', (_name, headers, expected) => {
    expect(outcome(() => checkConditions(headers, OBJECT))).toBe(expected);
  });

  it('names the failed condition in PreconditionFailed', () => {
    // Act
    const error = s3ErrorOf(() => checkConditions({ 'if-match': OTHER_ETAG }, OBJECT));

    // Assess
    expect([error.status, error.detail]).toEqual([412, { Condition: 'If-Match' }]);
  });

  it('answers NotModified with the ETag and Last-Modified headers', () => {
    // Act
    const error = s3ErrorOf(() => checkConditions({ 'if-none-match': '*' }, { ...OBJECT, etag: 'abc' }));

    // Assess
    expect([error.status, error.headers]).toEqual([
      304,
      { ETag: '"abc"', 'Last-Modified': 'Wed, 01 May 2024 12:00:00 GMT' },
    ]);
  });
});

describe('checkCopySourceConditions', () => {
  it.each<[string, Headers, string]>([
    ['no conditions', {}, 'proceed'],
    ['if-match with the ETag', { 'x-amz-copy-source-if-match': ETAG }, 'proceed'],
    ['if-match with another ETag', { 'x-amz-copy-source-if-match': OTHER_ETAG }, 'PreconditionFailed'],
    ['if-none-match with the ETag', { 'x-amz-copy-source-if-none-match': ETAG }, 'PreconditionFailed'],
    ['if-none-match with another ETag', { 'x-amz-copy-source-if-none-match': OTHER_ETAG }, 'proceed'],
    [
      'if-modified-since after the change',
      { 'x-amz-copy-source-if-modified-since': AFTER },
      'PreconditionFailed',
    ],
    ['if-modified-since before the change', { 'x-amz-copy-source-if-modified-since': BEFORE }, 'proceed'],
    [
      'if-unmodified-since before the change',
      { 'x-amz-copy-source-if-unmodified-since': BEFORE },
      'PreconditionFailed',
    ],
    [
      'if-match true and if-unmodified-since false',
      { 'x-amz-copy-source-if-match': ETAG, 'x-amz-copy-source-if-unmodified-since': BEFORE },
      'proceed',
    ],
    [
      'if-none-match false and if-modified-since true',
      { 'x-amz-copy-source-if-none-match': ETAG, 'x-amz-copy-source-if-modified-since': BEFORE },
      'PreconditionFailed',
    ],
    ['GET conditions, which a copy ignores', { 'if-match': OTHER_ETAG }, 'proceed'],
  ])('with %s: %s', (_name, headers, expected) => {
    expect(outcome(() => checkCopySourceConditions(headers, OBJECT))).toBe(expected);
  });

  it('names the copy-source condition that failed', () => {
    // Act
    const error = s3ErrorOf(() =>
      checkCopySourceConditions({ 'x-amz-copy-source-if-none-match': ETAG }, OBJECT),
    );

    // Assess
    expect(error.detail).toEqual({ Condition: 'x-amz-copy-source-If-None-Match' });
  });
});
