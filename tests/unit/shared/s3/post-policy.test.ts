import { describe, expect, it } from '@jest/globals';
import type { PostFormField } from '../../../../shared/s3/post-form.js';
import { checkPostPolicy, parsePostPolicy } from '../../../../shared/s3/post-policy.js';
import { s3ErrorOf } from './s3-error.js';

const NOW = new Date('2026-12-07T10:00:00.000Z');
const encode = (document: unknown): string =>
  Buffer.from(typeof document === 'string' ? document : JSON.stringify(document)).toString('base64');
const policy = (conditions: unknown[]) =>
  parsePostPolicy(encode({ expiration: '2026-12-07T11:00:00Z', conditions }));
const fields = (values: Record<string, string>): PostFormField[] =>
  Object.entries(values).map(([name, value]) => ({ name, value }));
const check = (conditions: unknown[], form: Record<string, string>, fileSize = 10) =>
  checkPostPolicy(policy(conditions), { fields: fields(form), bucket: 'b', fileSize, now: NOW });

describe('parsePostPolicy', () => {
  it.each([
    [
      'an expiration with an offset',
      { expiration: '2026-12-07T12:00:00+02:00', conditions: [] },
      "Invalid 'expiration' value: '2026-12-07T12:00:00+02:00'",
    ],
    [
      'a member the language lacks',
      { Statement: [], expiration: '2026-12-07T12:00:00Z' },
      "Unexpected: 'statement'",
    ],
    ['no expiration', { conditions: [] }, 'Policy missing expiration.'],
    [
      'conditions that are not a list',
      { expiration: '2026-12-07T12:00:00Z', conditions: {} },
      "Invalid 'conditions' value: must be a List.",
    ],
    [
      'an empty condition',
      { expiration: '2026-12-07T12:00:00Z', conditions: [[]] },
      'Invalid Condition: missing operation identifier.',
    ],
    [
      'an unknown operation',
      { expiration: '2026-12-07T12:00:00Z', conditions: [['ends-with', '$key', 'x']] },
      "Invalid Condition: unknown operation 'ends-with'.",
    ],
    [
      'the wrong number of arguments',
      { expiration: '2026-12-07T12:00:00Z', conditions: [['eq', '$key']] },
      'Invalid eq: wrong number of arguments.',
    ],
    [
      'a number as a simple value',
      { expiration: '2026-12-07T12:00:00Z', conditions: [{ 'Content-Length': 6 }] },
      'Invalid Simple-Condition: value must be a string.',
    ],
    [
      'a fractional length bound',
      { expiration: '2026-12-07T12:00:00Z', conditions: [['content-length-range', 0, 512.5]] },
      'Invalid JSON.',
    ],
    [
      'a condition of another type',
      { expiration: '2026-12-07T12:00:00Z', conditions: ['key'] },
      'Invalid condition test: must be a List or Object.',
    ],
  ])('%s -> InvalidPolicyDocument', (_name, document, reason) => {
    // Act
    const error = s3ErrorOf(() => parsePostPolicy(encode(document)));

    // Assess
    expect(error.code).toBe('InvalidPolicyDocument');
    expect(error.message).toBe(`Invalid Policy: ${reason}`);
  });

  it('takes base64 wrapped over lines, and operations in any case', () => {
    // Prepare
    const text = encode({
      expiration: '2026-12-07T11:00:00.000Z',
      conditions: [['Starts-With', '$key', 'a']],
    });

    // Act
    const parsed = parsePostPolicy(text.replace(/(.{20})/g, '$1\r\n'));

    // Assess
    expect(parsed.expiration.toISOString()).toBe('2026-12-07T11:00:00.000Z');
    expect(parsed.conditions).toHaveLength(1);
  });
});

describe('checkPostPolicy', () => {
  it('field names compare case-insensitively; the message keeps the policy spelling', () => {
    // Act
    const passes = () =>
      check([['eq', '$Content-Type', 'a/b'], { key: 'k' }], { 'content-type': 'a/b', KEY: 'k' });
    const error = s3ErrorOf(() =>
      check([['eq', '$Content-Type', 'a/b'], { key: 'k' }], { 'content-type': 'a/c', key: 'k' }),
    );

    // Assess
    expect(passes).not.toThrow();
    expect(error.message).toBe(
      'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "a/b"]',
    );
  });

  it('starts-with on Content-Type holds only if every listed type starts with the prefix', () => {
    // Prepare
    const conditions = [
      ['starts-with', '$Content-Type', 'image/'],
      ['starts-with', '$key', ''],
    ];

    // Assess
    expect(() => check(conditions, { key: 'k', 'Content-Type': 'image/jpg,image/png' })).not.toThrow();
    expect(
      s3ErrorOf(() => check(conditions, { key: 'k', 'Content-Type': 'image/jpg,text/plain' })).code,
    ).toBe('AccessDenied');
  });

  it('a field the form lacks fails even `starts-with ""`; a name without `$` never matches', () => {
    // Assess
    expect(s3ErrorOf(() => check([['starts-with', '$x-amz-meta-a', '']], {})).message).toBe(
      'Invalid according to Policy: Policy Condition failed: ["starts-with", "$x-amz-meta-a", ""]',
    );
    expect(s3ErrorOf(() => check([['eq', 'key', 'k']], { key: 'k' })).code).toBe('AccessDenied');
  });

  it('repeated fields are one comma-separated value', () => {
    // Prepare
    const form: PostFormField[] = [
      { name: 'x-amz-meta-tag', value: 'Ninja' },
      { name: 'x-amz-meta-tag', value: 'Stallman' },
    ];

    // Act
    const act = () =>
      checkPostPolicy(policy([{ 'x-amz-meta-tag': 'Ninja,Stallman' }]), {
        fields: form,
        bucket: 'b',
        fileSize: 1,
        now: NOW,
      });

    // Assess
    expect(act).not.toThrow();
  });

  it('content-length-range takes digit strings; other strings fail the condition', () => {
    expect(() => check([['content-length-range', '5', '10']], {}, 10)).not.toThrow();
    expect(s3ErrorOf(() => check([['content-length-range', 'test', '10']], {}, 10)).message).toBe(
      'Invalid according to Policy: Policy Condition failed: ["content-length-range", "test", "10"]',
    );
  });

  it('expired the instant after its expiration, not at it', () => {
    // Prepare
    const parsed = parsePostPolicy(encode({ expiration: '2026-12-07T10:00:00.000Z', conditions: [] }));
    const at = (time: string) => () =>
      checkPostPolicy(parsed, { fields: [], bucket: 'b', fileSize: 0, now: new Date(time) });

    // Assess
    expect(at('2026-12-07T10:00:00.000Z')).not.toThrow();
    expect(s3ErrorOf(at('2026-12-07T10:00:00.001Z')).message).toBe(
      'Invalid according to Policy: Policy expired.',
    );
  });
});
