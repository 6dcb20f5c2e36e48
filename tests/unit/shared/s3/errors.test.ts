import { describe, expect, it } from '@jest/globals';
import { XMLParser } from 'fast-xml-parser';
import { S3Error } from '../../../../shared/s3/errors.js';

describe('S3Error.toXml', () => {
  it('replaces characters XML 1.0 cannot hold (NUL, C0 controls, lone surrogates) with U+FFFD', () => {
    // Prepare: fields that echo client input
    const error = new S3Error('InvalidBucketName', {
      message: 'bad \u0000 name',
      resource: '/a\u0001b',
      detail: { BucketName: 'x\u0000y\u001f\ud800z' },
    });

    // Act
    const xml = error.toXml('REQ1');

    // Assess
    const controls = [...xml].filter((c) => (c.codePointAt(0) ?? 0) < 0x20 && !'\t\n\r'.includes(c));
    expect(controls).toEqual([]);
    expect(xml).not.toContain('&#');
    const parsed = new XMLParser({ parseTagValue: false }).parse(xml) as { Error: Record<string, string> };
    expect(parsed.Error).toMatchObject({
      Message: 'bad \ufffd name',
      Resource: '/a\ufffdb',
      BucketName: 'x\ufffdy\ufffd\ufffdz',
      RequestId: 'REQ1',
    });
  });

  it('keeps tab, LF, CR, markup characters and paired surrogates as they are (escaped)', () => {
    // Act
    const xml = new S3Error('InvalidArgument', { detail: { ArgumentValue: 'a\tb\nc<&>"\'😀' } }).toXml('R');

    // Assess
    expect(xml).toContain('<ArgumentValue>a\tb\nc&lt;&amp;&gt;&quot;&apos;😀</ArgumentValue>');
  });
});
