import { describe, expect, it } from '@jest/globals';
import { xmlDocument, xmlElement } from '../../../../shared/s3/xml.js';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
const XMLNS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

describe('xmlDocument', () => {
  it('renders scalars, nested elements, repeated elements and omits undefined', () => {
    // Prepare
    const children = {
      Name: 'bucket',
      Prefix: '',
      Marker: undefined,
      KeyCount: 2,
      IsTruncated: false,
      Contents: [
        { Key: 'a', LastModified: new Date(Date.UTC(2024, 0, 1)), Size: 1 },
        { Key: 'b', LastModified: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), Size: 0 },
      ],
      CommonPrefixes: [],
    };

    // Act
    const document = xmlDocument('ListBucketResult', children);

    // Assess
    expect(document).toBe(
      `${DECLARATION}<ListBucketResult ${XMLNS}><Name>bucket</Name><Prefix></Prefix><KeyCount>2</KeyCount>` +
        '<IsTruncated>false</IsTruncated>' +
        '<Contents><Key>a</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified><Size>1</Size></Contents>' +
        '<Contents><Key>b</Key><LastModified>2024-01-02T03:04:05.006Z</LastModified><Size>0</Size></Contents>' +
        '</ListBucketResult>',
    );
  });

  it('escapes text and attribute values', () => {
    // Act
    const document = xmlDocument('Result', { Key: `<a & "b" 'c'>` }, { 'data-x': '"&' });

    // Assess
    expect(document).toBe(
      `${DECLARATION}<Result ${XMLNS} data-x="&quot;&amp;"><Key>&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;</Key></Result>`,
    );
  });

  it('renders a root with text only (GetBucketLocation)', () => {
    expect(xmlDocument('LocationConstraint', 'eu-west-1')).toBe(
      `${DECLARATION}<LocationConstraint ${XMLNS}>eu-west-1</LocationConstraint>`,
    );
  });

  it('renders an empty root for undefined children', () => {
    expect(xmlDocument('LocationConstraint', undefined)).toBe(
      `${DECLARATION}<LocationConstraint ${XMLNS}></LocationConstraint>`,
    );
  });

  it('renders attributes of a child element from its @ key', () => {
    // Prepare
    const grantee = {
      '@': { 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', 'xsi:type': 'CanonicalUser' },
      ID: 'owner',
    };

    // Act
    const element = xmlElement('Grantee', grantee);

    // Assess
    expect(element).toBe(
      '<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>owner</ID></Grantee>',
    );
  });

  it('lets attrs replace the default namespace', () => {
    expect(xmlDocument('Error', { Code: 'X' }, { xmlns: 'urn:other' })).toBe(
      `${DECLARATION}<Error xmlns="urn:other"><Code>X</Code></Error>`,
    );
  });

  it('renders a ListObjectsV2 page of 1000 keys', () => {
    // Prepare
    const contents = Array.from({ length: 1000 }, (_, index) => ({
      Key: `photos/2024/${index}.jpg`,
      LastModified: new Date(Date.UTC(2024, 0, 1)),
      ETag: '"25f9e794323b453885f5181f1b624d0b"',
      Size: index,
      StorageClass: 'STANDARD',
    }));

    // Act
    const document = xmlDocument('ListBucketResult', { Name: 'bucket', Contents: contents });

    // Assess
    expect(document.split('<Contents>')).toHaveLength(1001);
    expect(document).toContain('<ETag>&quot;25f9e794323b453885f5181f1b624d0b&quot;</ETag>');
    expect(document).toContain('<Key>photos/2024/999.jpg</Key><LastModified>');
  });
});
