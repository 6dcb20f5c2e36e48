import { describe, expect, it } from '@jest/globals';
import {
  parseCompleteMultipartUpload,
  parseCreateBucketConfiguration,
  parseDeleteObjects,
} from '../../../../shared/s3/request-xml.js';
import { s3ErrorOf } from './s3-error.js';

const XMLNS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const xml = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('parseDeleteObjects', () => {
  it('reads keys, version ids and Quiet, as the SDK sends them', () => {
    // Prepare
    const body = xml(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Delete ${XMLNS}>\n  <Object><Key>a.txt</Key></Object>\n` +
        '  <Object><Key>b.txt</Key><VersionId>v1</VersionId></Object>\n  <Quiet>true</Quiet>\n</Delete>',
    );

    // Act
    const request = parseDeleteObjects(body);

    // Assess
    expect(request).toEqual({ quiet: true, objects: [{ key: 'a.txt' }, { key: 'b.txt', versionId: 'v1' }] });
  });

  it('keeps spaces around keys and decodes entities and character references once', () => {
    // Prepare
    const body = xml(
      '<Delete><Object><Key>  a &amp; b  </Key></Object><Object><Key>&amp;lt;&#10;&#x0D;&quot;&apos;&gt;</Key></Object>' +
        '<Object><Key>123</Key></Object><Object><Key>ü/中 😀</Key></Object></Delete>',
    );

    // Act
    const request = parseDeleteObjects(body);

    // Assess
    expect(request.objects.map((object) => object.key)).toEqual([
      '  a & b  ',
      '&lt;\n\r"\'>',
      '123',
      'ü/中 😀',
    ]);
  });

  it('reads a CDATA key as text', () => {
    expect(
      parseDeleteObjects(xml('<Delete><Object><Key><![CDATA[a<b]]></Key></Object></Delete>')).objects,
    ).toEqual([{ key: 'a<b' }]);
  });

  it('defaults Quiet to false', () => {
    expect(parseDeleteObjects(xml('<Delete><Object><Key>k</Key></Object></Delete>')).quiet).toBe(false);
  });

  it('returns an empty key for the caller to judge', () => {
    expect(parseDeleteObjects(xml('<Delete><Object><Key/></Object></Delete>')).objects).toEqual([
      { key: '' },
    ]);
  });

  it('accepts 1000 objects', () => {
    // Prepare
    const body = xml(`<Delete>${'<Object><Key>k</Key></Object>'.repeat(1000)}</Delete>`);

    // Act
    const request = parseDeleteObjects(body);

    // Assess
    expect(request.objects).toHaveLength(1000);
  });

  it.each([
    ['an empty body', ''],
    ['text that is not XML', 'hello'],
    ['an unclosed element', '<Delete><Object><Key>k</Key></Object>'],
    ['another root', '<Remove><Object><Key>k</Key></Object></Remove>'],
    ['two roots', '<Delete><Object><Key>k</Key></Object></Delete><Delete/>'],
    ['no Object', '<Delete><Quiet>true</Quiet></Delete>'],
    ['an empty Delete', '<Delete/>'],
    ['an Object without Key', '<Delete><Object><VersionId>1</VersionId></Object></Delete>'],
    ['an Object with text only', '<Delete><Object>k</Object></Delete>'],
    ['two Keys in one Object', '<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>'],
    ['a Key holding elements', '<Delete><Object><Key>a<b/>c</Key></Object></Delete>'],
    ['a Quiet that is not a boolean', '<Delete><Quiet>yes</Quiet><Object><Key>k</Key></Object></Delete>'],
    ['an unknown entity', '<Delete><Object><Key>&nbsp;</Key></Object></Delete>'],
    ['a bare ampersand', '<Delete><Object><Key>a & b</Key></Object></Delete>'],
    ['a reference to a character XML forbids', '<Delete><Object><Key>&#0;</Key></Object></Delete>'],
    [
      'a DTD with an entity',
      '<!DOCTYPE Delete [<!ENTITY x "boom">]><Delete><Object><Key>&x;</Key></Object></Delete>',
    ],
    ['1001 objects', `<Delete>${'<Object><Key>k</Key></Object>'.repeat(1001)}</Delete>`],
  ])('answers %s with MalformedXML', (_name, text) => {
    expect(s3ErrorOf(() => parseDeleteObjects(xml(text))).code).toBe('MalformedXML');
  });
});

describe('parseCompleteMultipartUpload', () => {
  it('reads parts in document order with their ETags and checksums', () => {
    // Prepare
    const body = xml(
      `<CompleteMultipartUpload ${XMLNS}>\n` +
        '  <Part><ETag>&quot;aaa&quot;</ETag><PartNumber>2</PartNumber><ChecksumCRC32>y/Q5Jg==</ChecksumCRC32></Part>\n' +
        '  <Part><PartNumber> 1 </PartNumber><ETag>"bbb"</ETag><ChecksumCRC64NVME>rosUhgp5mIg=</ChecksumCRC64NVME>' +
        '<ChecksumSHA256>x</ChecksumSHA256></Part>\n</CompleteMultipartUpload>',
    );

    // Act
    const request = parseCompleteMultipartUpload(body);

    // Assess
    expect(request).toEqual({
      parts: [
        { partNumber: 2, etag: '"aaa"', checksums: { CRC32: 'y/Q5Jg==' } },
        { partNumber: 1, etag: '"bbb"', checksums: { CRC64NVME: 'rosUhgp5mIg=', SHA256: 'x' } },
      ],
    });
  });

  it.each([
    ['an empty body', ''],
    ['no Part', '<CompleteMultipartUpload></CompleteMultipartUpload>'],
    [
      'a Part without PartNumber',
      '<CompleteMultipartUpload><Part><ETag>"a"</ETag></Part></CompleteMultipartUpload>',
    ],
    [
      'a Part without ETag',
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>',
    ],
    [
      'a PartNumber that is not a number',
      '<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>"a"</ETag></Part></CompleteMultipartUpload>',
    ],
    [
      'a negative PartNumber',
      '<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber><ETag>"a"</ETag></Part></CompleteMultipartUpload>',
    ],
    ['another root', '<Complete><Part><PartNumber>1</PartNumber><ETag>"a"</ETag></Part></Complete>'],
    ['broken XML', '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'],
  ])('answers %s with MalformedXML', (_name, text) => {
    expect(s3ErrorOf(() => parseCompleteMultipartUpload(xml(text))).code).toBe('MalformedXML');
  });
});

describe('parseCreateBucketConfiguration', () => {
  it.each([
    ['an empty body', '', {}],
    ['whitespace', ' \n', {}],
    [
      'a location',
      `<CreateBucketConfiguration ${XMLNS}><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`,
      { locationConstraint: 'eu-west-1' },
    ],
    ['an empty location', '<CreateBucketConfiguration><LocationConstraint/></CreateBucketConfiguration>', {}],
    ['no location', '<CreateBucketConfiguration/>', {}],
  ])('reads %s', (_name, text, expected) => {
    expect(parseCreateBucketConfiguration(xml(text))).toEqual(expected);
  });

  it.each([
    ['broken XML', '<CreateBucketConfiguration><LocationConstraint>eu'],
    ['another root', '<BucketConfiguration/>'],
  ])('answers %s with MalformedXML', (_name, text) => {
    expect(s3ErrorOf(() => parseCreateBucketConfiguration(xml(text))).code).toBe('MalformedXML');
  });
});
