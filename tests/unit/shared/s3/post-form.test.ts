import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../../../../shared/s3/errors.js';
import { parsePostForm } from '../../../../shared/s3/post-form.js';

const BOUNDARY = 'unit-boundary';
const TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/** Raw parts: each is the header lines of the part and its content. */
function body(parts: readonly [headers: string, content: Buffer | string][]): Buffer {
  const chunks: Buffer[] = [];
  for (const [headers, content] of parts) {
    chunks.push(
      Buffer.from(`--${BOUNDARY}\r\n${headers}\r\n\r\n`),
      Buffer.from(content),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

async function rejection(promise: Promise<unknown>): Promise<S3Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3Error) return error;
    throw error;
  }
  throw new Error('expected an S3Error');
}

describe('parsePostForm', () => {
  it('keeps the fields before the part named `file` (any case), in order; later parts are ignored', async () => {
    // Prepare
    const form = body([
      ['Content-Disposition: form-data; name="key"', 'a/b.txt'],
      ['Content-Disposition: form-data; name="X-Amz-Meta-Note"', 'ünïcode'],
      [
        'Content-Disposition: form-data; name="File"; filename="dir/rapport é.pdf"\r\nContent-Type: application/pdf',
        Buffer.from([0, 255, 13, 10]),
      ],
      ['Content-Disposition: form-data; name="submit"', 'Upload'],
    ]);

    // Act
    const parsed = await parsePostForm(TYPE, form);

    // Assess
    expect(parsed.fields).toEqual([
      { name: 'key', value: 'a/b.txt' },
      { name: 'X-Amz-Meta-Note', value: 'ünïcode' },
    ]);
    expect(parsed.file).toEqual({ bytes: Buffer.from([0, 255, 13, 10]), filename: 'rapport é.pdf' });
    expect(parsed.fileParts).toBe(1);
  });

  it('counts every part named file, so two are seen', async () => {
    // Act
    const parsed = await parsePostForm(
      TYPE,
      body([
        ['Content-Disposition: form-data; name="file"; filename="a"', 'a'],
        ['Content-Disposition: form-data; name="file"; filename="b"', 'b'],
      ]),
    );

    // Assess
    expect(parsed.fileParts).toBe(2);
    expect(parsed.file?.bytes.toString()).toBe('a');
  });

  it('a Content-Type other than multipart/form-data -> PreconditionFailed with S3 Condition', async () => {
    // Act
    const error = await rejection(parsePostForm('application/x-www-form-urlencoded', Buffer.from('key=a')));

    // Assess
    expect(error.code).toBe('PreconditionFailed');
    expect(error.detail).toEqual({
      Condition: 'Bucket POST must be of the enclosure-type multipart/form-data',
    });
  });

  it.each([
    ['no boundary', 'multipart/form-data', body([['Content-Disposition: form-data; name="key"', 'a']])],
    [
      'no closing boundary',
      TYPE,
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="key"\r\n\r\nabc`),
    ],
    [
      'a part without a header end',
      TYPE,
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="key"`),
    ],
  ])('%s -> MalformedPOSTRequest', async (_name, type, raw) => {
    expect((await rejection(parsePostForm(type, raw))).code).toBe('MalformedPOSTRequest');
  });

  it('fields before the file over 20 KB -> MaxPostPreDataLengthExceededError', async () => {
    // Prepare
    const form = body([
      ['Content-Disposition: form-data; name="x-ignore-pad"', 'p'.repeat(20 * 1024)],
      ['Content-Disposition: form-data; name="file"; filename="f"', 'f'],
    ]);

    // Act
    const error = await rejection(parsePostForm(TYPE, form));

    // Assess
    expect(error.code).toBe('MaxPostPreDataLengthExceededError');
    expect(error.detail).toEqual({ MaxPostPreDataLengthBytes: '20480' });
  });
});
