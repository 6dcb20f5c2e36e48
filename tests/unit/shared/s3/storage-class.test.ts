import { describe, expect, it } from '@jest/globals';
import {
  assertRetrievable,
  STORAGE_CLASSES,
  storageClassFrom,
  storageClassHeader,
} from '../../../../shared/s3/storage-class.js';
import { s3ErrorOf } from './s3-error.js';

describe('storage class', () => {
  it('stores nothing for STANDARD or no header (absent means STANDARD)', () => {
    expect(storageClassFrom({})).toBeUndefined();
    expect(storageClassFrom({ 'x-amz-storage-class': 'STANDARD' })).toBeUndefined();
    expect(storageClassHeader({})).toEqual({});
  });

  it.each(STORAGE_CLASSES.filter((name) => name !== 'STANDARD'))('takes %s', (name) => {
    expect(storageClassFrom({ 'x-amz-storage-class': name })).toBe(name);
  });

  it.each(['OUTPOSTS', 'EXPRESS_ONEZONE', 'standard', ''])('refuses %j with InvalidStorageClass', (name) => {
    const error = s3ErrorOf(() => storageClassFrom({ 'x-amz-storage-class': name }));
    expect([error.code, error.detail.StorageClassRequested]).toEqual(['InvalidStorageClass', name]);
  });

  it('refuses to read GLACIER and DEEP_ARCHIVE objects, not GLACIER_IR', () => {
    expect(s3ErrorOf(() => assertRetrievable({ storageClass: 'GLACIER' })).code).toBe('InvalidObjectState');
    expect(s3ErrorOf(() => assertRetrievable({ storageClass: 'DEEP_ARCHIVE' })).status).toBe(403);
    expect(() => assertRetrievable({ storageClass: 'GLACIER_IR' })).not.toThrow();
  });
});
