import { S3Error } from '../../../../shared/s3/errors.js';

/** Runs `act` and returns the S3Error it throws; fails when it throws nothing or something else. */
export function s3ErrorOf(act: () => unknown): S3Error {
  try {
    act();
  } catch (error) {
    if (error instanceof S3Error) return error;
    throw error;
  }
  throw new Error('expected an S3Error, nothing was thrown');
}
