import { describe, expect, it } from '@jest/globals';
import type { ObjectRecord } from '../../../../shared/metadata/ports.js';
import { type ObjectRow, objectParams, objectRow, toObject } from '../../../../shared/metadata/sql-rows.js';

const multipart: ObjectRecord = {
  bucket: 'b',
  key: 'k',
  size: 7,
  etag: '"e-2"',
  lastModified: new Date(0),
  headers: {},
  userMetadata: {},
  checksum: { algorithm: 'CRC32', value: 'AAAAAA==-2', type: 'COMPOSITE' },
  segments: [
    { blobId: 'one', size: 5, checksum: 'AAAAAQ==' },
    { blobId: 'two', size: 2, checksum: 'AAAAAg==' },
  ],
  partsCount: 2,
};

describe('segments in the objects row', () => {
  it('keep each part checksum through objectRow and back (GetObjectAttributes reads them)', () => {
    // `pg` returns the jsonb sizes as written; a bigint column would come back as a string.
    const row = { ...objectRow(multipart), last_modified: new Date(0) } as unknown as ObjectRow;
    expect(toObject(row).segments).toEqual(multipart.segments);
  });

  it('writes the checksum into the segments parameter, and nothing for a segment without one', () => {
    const single = { ...multipart, segments: [{ blobId: 'only', size: 7 }] };
    expect(JSON.parse(objectParams(multipart)[8] as string)).toEqual(multipart.segments);
    expect(JSON.parse(objectParams(single)[8] as string)).toEqual([{ blobId: 'only', size: 7 }]);
  });

  it('reads a segment size given as a string (pg bigint) as a number', () => {
    const row = {
      ...objectRow(multipart),
      segments: [{ blobId: 'one', size: '5' }],
    } as unknown as ObjectRow;
    expect(toObject(row).segments).toEqual([{ blobId: 'one', size: 5 }]);
  });
});
