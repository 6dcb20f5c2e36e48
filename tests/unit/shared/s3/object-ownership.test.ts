import { describe, expect, it } from '@jest/globals';
import { ownershipFromHeader, parseOwnershipControls } from '../../../../shared/s3/object-ownership.js';
import { s3ErrorOf } from './s3-error.js';

const xml = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('parseOwnershipControls', () => {
  it.each(['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'])('reads %s', (ownership) => {
    const body = `<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ObjectOwnership>${ownership}</ObjectOwnership></Rule></OwnershipControls>`;
    expect(parseOwnershipControls(xml(body))).toBe(ownership);
  });

  it.each([
    [
      'an unknown setting',
      '<OwnershipControls><Rule><ObjectOwnership>Owner</ObjectOwnership></Rule></OwnershipControls>',
    ],
    ['no rule', '<OwnershipControls/>'],
    [
      'two rules',
      '<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>',
    ],
    ['a rule without ObjectOwnership', '<OwnershipControls><Rule/></OwnershipControls>'],
    ['another root', '<Ownership/>'],
  ])('refuses %s with MalformedXML', (_name, body) => {
    expect(s3ErrorOf(() => parseOwnershipControls(xml(body))).code).toBe('MalformedXML');
  });
});

describe('ownershipFromHeader', () => {
  it('reads the three settings and nothing when absent', () => {
    expect(ownershipFromHeader('ObjectWriter')).toBe('ObjectWriter');
    expect(ownershipFromHeader(undefined)).toBeUndefined();
  });

  it('refuses another value with InvalidArgument', () => {
    const error = s3ErrorOf(() => ownershipFromHeader('Mine'));
    expect([error.code, error.detail]).toEqual([
      'InvalidArgument',
      { ArgumentName: 'x-amz-object-ownership', ArgumentValue: 'Mine' },
    ]);
  });
});
