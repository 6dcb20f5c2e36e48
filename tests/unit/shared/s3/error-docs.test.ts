import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { S3_ERROR_MESSAGE, S3_ERROR_STATUS } from '../../../../shared/s3/errors.js';

// Every error code has a status, a message and a documentation entry that agrees on the status.
describe('S3 error codes', () => {
  const docs = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
  const documented = new Map(
    [...docs.matchAll(/^\| (\w+) \| (\d{3}) \| (.+) \|$/gm)].map((row) => [row[1]!, Number(row[2])]),
  );

  it.each(Object.entries(S3_ERROR_STATUS))('%s is documented with status %d', (code, status) => {
    expect(documented.get(code)).toBe(status);
    expect(S3_ERROR_MESSAGE[code as keyof typeof S3_ERROR_MESSAGE]).toBeTruthy();
  });

  it('documents no code that does not exist', () => {
    expect([...documented.keys()].filter((code) => !(code in S3_ERROR_STATUS))).toEqual([]);
  });
});
