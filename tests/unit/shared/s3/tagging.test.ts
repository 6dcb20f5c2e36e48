import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { ObjectRecord, Tag } from '../../../../shared/metadata/ports.js';
import {
  parseTaggingDocument,
  taggingCountHeader,
  tagsForCopy,
  tagsFromHeader,
} from '../../../../shared/s3/tagging.js';
import { s3ErrorOf } from './s3-error.js';

const xml = (text: string): Buffer => Buffer.from(text, 'utf8');

function taggingXml(tags: Tag[]): Buffer {
  const items = tags.map((tag) => `<Tag><Key>${tag.key}</Key><Value>${tag.value}</Value></Tag>`).join('');
  return xml(
    `<?xml version="1.0" encoding="UTF-8"?><Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>${items}</TagSet></Tagging>`,
  );
}

function numbered(count: number): Tag[] {
  return Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
}

function objectWith(tags: Tag[] | undefined): ObjectRecord {
  return {
    bucket: 'b',
    key: 'k',
    size: 0,
    etag: '"d41d8cd98f00b204e9800998ecf8427e"',
    lastModified: new Date(0),
    headers: {},
    userMetadata: {},
    segments: [],
    ...(tags ? { tags } : {}),
  };
}

describe('parseTaggingDocument', () => {
  it('reads the tags in document order, values as sent (empty and spaced values kept)', () => {
    // Act
    const tags = parseTaggingDocument(
      taggingXml([
        { key: 'project', value: 'blue' },
        { key: 'a b', value: '' },
        { key: 'ü', value: ' x ' },
      ]),
    );

    // Assess
    expect(tags).toEqual([
      { key: 'project', value: 'blue' },
      { key: 'a b', value: '' },
      { key: 'ü', value: ' x ' },
    ]);
  });

  it('reads one tag and an empty TagSet (which removes the tags)', () => {
    expect(parseTaggingDocument(taggingXml([{ key: 'one', value: '1' }]))).toEqual([
      { key: 'one', value: '1' },
    ]);
    expect(parseTaggingDocument(xml('<Tagging><TagSet/></Tagging>'))).toEqual([]);
  });

  it.each([
    ['not XML', 'tags'],
    ['another root', '<Tags><TagSet/></Tags>'],
    ['no TagSet', '<Tagging></Tagging>'],
    ['a Tag without Value', '<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>'],
    ['a Tag without Key', '<Tagging><TagSet><Tag><Value>a</Value></Tag></TagSet></Tagging>'],
    ['text in TagSet', '<Tagging><TagSet>text</TagSet></Tagging>'],
  ])('refuses %s with MalformedXML', (_name, body) => {
    expect(s3ErrorOf(() => parseTaggingDocument(xml(body))).code).toBe('MalformedXML');
  });

  it('accepts 10 tags on an object and refuses 11 with BadRequest, as S3 words it', () => {
    expect(parseTaggingDocument(taggingXml(numbered(10)))).toHaveLength(10);
    const error = s3ErrorOf(() => parseTaggingDocument(taggingXml(numbered(11))));
    expect([error.code, error.status, error.message]).toEqual([
      'BadRequest',
      400,
      'Object tags cannot be greater than 10',
    ]);
  });

  it('accepts 50 tags on a bucket and refuses 51', () => {
    expect(parseTaggingDocument(taggingXml(numbered(50)), 'bucket')).toHaveLength(50);
    const error = s3ErrorOf(() => parseTaggingDocument(taggingXml(numbered(51)), 'bucket'));
    expect([error.code, error.message]).toEqual(['BadRequest', 'Bucket tag count cannot be greater than 50']);
  });

  it('counts key and value lengths in UTF-16 units: 128 and 256 pass, one more is InvalidTag', () => {
    // Prepare: a letter outside the BMP is two UTF-16 units, as S3 counts ("represented in UTF-16").
    const key = '\u{1D49C}'.repeat(64);
    const value = 'x'.repeat(256);

    // Act / Assess
    expect(parseTaggingDocument(taggingXml([{ key, value }]))).toEqual([{ key, value }]);
    const longKey = s3ErrorOf(() => parseTaggingDocument(taggingXml([{ key: `${key}a`, value }])));
    expect([longKey.code, longKey.message]).toEqual([
      'InvalidTag',
      'The TagKey you have provided is too long, max 128',
    ]);
    const longValue = s3ErrorOf(() => parseTaggingDocument(taggingXml([{ key: 'a', value: `${value}x` }])));
    expect([longValue.code, longValue.message]).toEqual([
      'InvalidTag',
      'The TagValue you have provided is too long, max 256',
    ]);
  });

  it('refuses a duplicate key with InvalidTag naming it', () => {
    const error = s3ErrorOf(() =>
      parseTaggingDocument(
        taggingXml([
          { key: 'a', value: '1' },
          { key: 'a', value: '2' },
        ]),
      ),
    );
    expect([error.code, error.message, error.detail.TagKey]).toEqual([
      'InvalidTag',
      'Cannot provide multiple Tags with the same key',
      'a',
    ]);
  });

  it('refuses the reserved aws: prefix, worded per resource as S3 does', () => {
    const onObject = s3ErrorOf(() => parseTaggingDocument(taggingXml([{ key: 'aws:owner', value: 'x' }])));
    expect([onObject.code, onObject.message]).toEqual([
      'InvalidTag',
      'Your TagKey cannot be prefixed with aws:',
    ]);
    const onBucket = s3ErrorOf(() =>
      parseTaggingDocument(taggingXml([{ key: 'aws:owner', value: 'x' }]), 'bucket'),
    );
    expect([onBucket.code, onBucket.message]).toEqual([
      'InvalidTag',
      'System tags cannot be added/updated by requester',
    ]);
  });

  it('allows letters, digits, spaces and _ . : / = + - @, and refuses other characters', () => {
    expect(parseTaggingDocument(taggingXml([{ key: 'Ünï 中 9_.:/=+-@', value: 'a b=c' }]))).toHaveLength(1);
    const key = s3ErrorOf(() => parseTaggingDocument(taggingXml([{ key: 'a{b}', value: 'x' }])));
    expect([key.code, key.message]).toEqual(['InvalidTag', 'The TagKey you have provided is invalid']);
    const value = s3ErrorOf(() => parseTaggingDocument(taggingXml([{ key: 'a', value: 'x;y' }])));
    expect([value.code, value.message]).toEqual(['InvalidTag', 'The TagValue you have provided is invalid']);
    const empty = s3ErrorOf(() => parseTaggingDocument(taggingXml([{ key: '', value: 'x' }])));
    expect([empty.code, empty.message]).toEqual(['InvalidTag', 'The TagKey you have provided is invalid']);
  });
});

describe('tagsFromHeader', () => {
  it('is undefined without the header', () => {
    expect(tagsFromHeader(undefined)).toBeUndefined();
  });

  it('reads the URL-encoded query form in order: %-escapes, + as space, a key without = has an empty value', () => {
    expect(tagsFromHeader('project=blue&team=a%20b+c&flag&k%C3%BC=%E4%B8%AD')).toEqual([
      { key: 'project', value: 'blue' },
      { key: 'team', value: 'a b c' },
      { key: 'flag', value: '' },
      { key: 'kü', value: '中' },
    ]);
    expect(tagsFromHeader('')).toEqual([]);
  });

  it.each([
    ['a pair with two =', 'TagSet=[{Key=string,Value=string}]'],
    ['a duplicate key', 'a=1&a=2'],
    ['a broken %-escape', 'a=%E4%B8'],
  ])('refuses %s with InvalidArgument naming the header', (_name, header) => {
    const error = s3ErrorOf(() => tagsFromHeader(header));
    expect([error.code, error.message, error.detail]).toEqual([
      'InvalidArgument',
      "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.",
      { ArgumentName: 'x-amz-tagging', ArgumentValue: header },
    ]);
  });

  it('applies the object limits: 11 tags, aws: and invalid characters', () => {
    const many = numbered(11)
      .map((tag) => `${tag.key}=${tag.value}`)
      .join('&');
    expect(s3ErrorOf(() => tagsFromHeader(many)).code).toBe('BadRequest');
    expect(s3ErrorOf(() => tagsFromHeader('aws:x=1')).message).toBe(
      'Your TagKey cannot be prefixed with aws:',
    );
    expect(s3ErrorOf(() => tagsFromHeader('TagSet%3D%5B%7BKey%3Dstring%7D%5D')).message).toBe(
      'The TagKey you have provided is invalid',
    );
  });

  it('round-trips any valid tag set written with encodeURIComponent', () => {
    const character = fc.constantFrom(...'aZ09 _.:/=+-@éü中'.split(''));
    const text = (min: number, max: number) =>
      fc.array(character, { minLength: min, maxLength: max }).map((chars) => chars.join(''));
    const tagSet = fc.uniqueArray(fc.record({ key: text(1, 12), value: text(0, 12) }), {
      maxLength: 10,
      selector: (tag) => tag.key,
    });
    fc.assert(
      fc.property(tagSet, (tags) => {
        const header = tags
          .map((tag) => `${encodeURIComponent(tag.key)}=${encodeURIComponent(tag.value)}`)
          .join('&');
        expect(tagsFromHeader(header)).toEqual(tags);
      }),
    );
  });
});

describe('tagsForCopy', () => {
  const source = objectWith([{ key: 'from', value: 'source' }]);

  it("keeps the source's tags by default and with COPY, whatever x-amz-tagging says", () => {
    expect(tagsForCopy({}, source)).toEqual([{ key: 'from', value: 'source' }]);
    expect(tagsForCopy({ 'x-amz-tagging-directive': 'COPY', 'x-amz-tagging': 'a=1' }, source)).toEqual([
      { key: 'from', value: 'source' },
    ]);
  });

  it("takes the header's tags with REPLACE, none when it is absent", () => {
    expect(tagsForCopy({ 'x-amz-tagging-directive': 'REPLACE', 'x-amz-tagging': 'a=1' }, source)).toEqual([
      { key: 'a', value: '1' },
    ]);
    expect(tagsForCopy({ 'x-amz-tagging-directive': 'REPLACE' }, source)).toBeUndefined();
  });

  it('refuses another directive with InvalidArgument', () => {
    const error = s3ErrorOf(() => tagsForCopy({ 'x-amz-tagging-directive': 'MERGE' }, source));
    expect([error.code, error.message, error.detail]).toEqual([
      'InvalidArgument',
      'Unknown tagging directive.',
      { ArgumentName: 'x-amz-tagging-directive', ArgumentValue: 'MERGE' },
    ]);
  });
});

describe('taggingCountHeader', () => {
  it('counts the tags, and says nothing for an object without any', () => {
    expect(taggingCountHeader(objectWith(numbered(3)))).toEqual({ 'x-amz-tagging-count': '3' });
    expect(taggingCountHeader(objectWith(undefined))).toEqual({});
    expect(taggingCountHeader(objectWith([]))).toEqual({});
  });
});
