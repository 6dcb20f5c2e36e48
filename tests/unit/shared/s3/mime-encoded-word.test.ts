import { describe, expect, it } from '@jest/globals';
import { mimeEncodedMetadataValue } from '../../../../shared/s3/mime-encoded-word.js';

describe('mimeEncodedMetadataValue', () => {
  it.each([
    ['printable ASCII and tabs, unchanged', 'a b\t=?_', 'a b\t=?_'],
    [
      'mostly ASCII: Q, as S3 was recorded answering',
      'ÄMÄZÕÑ S3',
      '=?UTF-8?Q?=C3=84M=C3=84Z=C3=95=C3=91_S3?=',
    ],
    [
      'control bytes: B, as S3 was recorded answering',
      '\u0000\u0001\u0002\u0003\u0004',
      '=?UTF-8?B?AAECAwQ=?=',
    ],
    ['Q escapes =, ? and _ of the text', 'a=b?c_d é', '=?UTF-8?Q?a=3Db=3Fc=5Fd_=C3=A9?='],
    ['mostly not ASCII: B', '日本語 x', `=?UTF-8?B?${Buffer.from('日本語 x').toString('base64')}?=`],
  ])('%s', (_name, value, expected) => {
    expect(mimeEncodedMetadataValue(value)).toBe(expected);
  });
});
