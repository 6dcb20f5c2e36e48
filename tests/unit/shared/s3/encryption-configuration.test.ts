import { describe, expect, it } from '@jest/globals';
import {
  encryptionConfigurationXml,
  parseEncryptionConfiguration,
} from '../../../../shared/s3/encryption-configuration.js';
import { s3ErrorOf } from './s3-error.js';

function document(rules: string): Buffer {
  return Buffer.from(
    `<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${rules}</ServerSideEncryptionConfiguration>`,
  );
}

describe('parseEncryptionConfiguration', () => {
  it('reads one rule with its algorithm, KMS key and bucket key', () => {
    const xml = document(
      '<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule>',
    );
    expect(parseEncryptionConfiguration(xml)).toEqual([
      { algorithm: 'aws:kms', kmsMasterKeyId: 'k', bucketKeyEnabled: true },
    ]);
  });

  it('takes a rule without ApplyServerSideEncryptionByDefault as SSE-S3', () => {
    const xml = document('<Rule><BucketKeyEnabled>false</BucketKeyEnabled></Rule>');
    expect(parseEncryptionConfiguration(xml)).toEqual([{ algorithm: 'AES256', bucketKeyEnabled: false }]);
  });

  it('reads BlockedEncryptionTypes', () => {
    const xml = document(
      '<Rule><BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes></Rule>',
    );
    expect(parseEncryptionConfiguration(xml)[0]?.blockedEncryptionTypes).toEqual(['SSE-C']);
  });

  it.each([
    [
      'an EncryptionType other than SSE-C or NONE',
      document(
        '<Rule><BlockedEncryptionTypes><EncryptionType>SSE-KMS</EncryptionType></BlockedEncryptionTypes></Rule>',
      ),
    ],
    ['no rule', document('')],
    ['two rules', document('<Rule></Rule><Rule></Rule>')],
    [
      'no SSEAlgorithm',
      document('<Rule><ApplyServerSideEncryptionByDefault></ApplyServerSideEncryptionByDefault></Rule>'),
    ],
    [
      'a BucketKeyEnabled that is not a boolean',
      document('<Rule><BucketKeyEnabled>yes</BucketKeyEnabled></Rule>'),
    ],
    ['another root', Buffer.from('<Configuration/>')],
  ])('refuses %s with MalformedXML', (_label, xml) => {
    expect(s3ErrorOf(() => parseEncryptionConfiguration(xml)).code).toBe('MalformedXML');
  });

  it('renders what it read, in S3 element order', () => {
    expect(
      encryptionConfigurationXml([{ algorithm: 'aws:kms', kmsMasterKeyId: 'k', bucketKeyEnabled: true }]),
    ).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>',
    );
  });
});
