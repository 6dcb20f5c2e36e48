/**
 * The ServerSideEncryptionConfiguration document of PutBucketEncryption / GetBucketEncryption:
 * one rule, whose default applies to every write that names no encryption of its own.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketEncryption.html
 */
import type { BucketEncryptionRule } from '../metadata/ports.js';
import { SSE_ALGORITHMS } from './encryption.js';
import { S3Error } from './errors.js';
import { childrenOf, parseRoot, textOf, type XmlElement, type XmlValue } from './request-xml.js';
import { xmlDocument } from './xml.js';

/** What a bucket never configured answers: SSE-S3 without a bucket key, as S3 does since 2023. */
export const DEFAULT_ENCRYPTION_RULE: BucketEncryptionRule = { algorithm: 'AES256', bucketKeyEnabled: false };

/**
 * Parses a PutBucketEncryption body. S3 takes exactly one rule.
 *
 * @throws S3Error MalformedXML for a document outside the schema (no rule, two rules, an unknown
 *   SSEAlgorithm, a BucketKeyEnabled other than true/false, an EncryptionType other than SSE-C or
 *   NONE); InvalidArgument for a KMSMasterKeyID with an algorithm other than aws:kms / aws:kms:dsse
 */
export function parseEncryptionConfiguration(xml: Buffer): BucketEncryptionRule[] {
  const root = childrenOf(parseRoot(xml, 'ServerSideEncryptionConfiguration'));
  const rules = asList(root.Rule);
  if (rules.length !== 1) throw new S3Error('MalformedXML');
  const rule = childrenOf(rules[0]);
  const byDefault = rule.ApplyServerSideEncryptionByDefault;
  const defaults = byDefault === undefined ? undefined : childrenOf(byDefault);
  const algorithm = defaults === undefined ? 'AES256' : textOf(defaults, 'SSEAlgorithm')?.trim();
  if (algorithm === undefined || !(SSE_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw new S3Error('MalformedXML');
  }
  const kmsMasterKeyId = defaults === undefined ? undefined : textOf(defaults, 'KMSMasterKeyID')?.trim();
  if (kmsMasterKeyId !== undefined && algorithm === 'AES256') {
    throw new S3Error('InvalidArgument', {
      message:
        'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse',
      detail: { ArgumentName: 'ApplyServerSideEncryptionByDefault' },
    });
  }
  const bucketKey = textOf(rule, 'BucketKeyEnabled')?.trim();
  if (bucketKey !== undefined && bucketKey !== 'true' && bucketKey !== 'false')
    throw new S3Error('MalformedXML');
  const blocked = blockedEncryptionTypes(rule.BlockedEncryptionTypes);
  return [
    {
      algorithm,
      ...(kmsMasterKeyId ? { kmsMasterKeyId } : {}),
      bucketKeyEnabled: bucketKey === 'true',
      ...(blocked ? { blockedEncryptionTypes: blocked } : {}),
    },
  ];
}

/** `<BlockedEncryptionTypes><EncryptionType>SSE-C | NONE</EncryptionType>...`; undefined when absent. */
function blockedEncryptionTypes(value: XmlValue | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const types = asList(childrenOf(value).EncryptionType).map((type) => {
    if (typeof type !== 'string') throw new S3Error('MalformedXML');
    return type.trim();
  });
  if (types.length === 0 || types.some((type) => type !== 'SSE-C' && type !== 'NONE')) {
    throw new S3Error('MalformedXML');
  }
  return types;
}

/** A repeated element comes as a list, a single one as itself. */
function asList(value: XmlValue | undefined): (XmlElement | string)[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as (XmlElement | string)[]) : [value];
}

/** The GetBucketEncryption document of these rules. */
export function encryptionConfigurationXml(rules: BucketEncryptionRule[]): string {
  return xmlDocument('ServerSideEncryptionConfiguration', {
    Rule: rules.map((rule) => ({
      ApplyServerSideEncryptionByDefault: {
        SSEAlgorithm: rule.algorithm,
        ...(rule.kmsMasterKeyId !== undefined ? { KMSMasterKeyID: rule.kmsMasterKeyId } : {}),
      },
      BucketKeyEnabled: rule.bucketKeyEnabled ?? false,
      ...(rule.blockedEncryptionTypes
        ? { BlockedEncryptionTypes: { EncryptionType: rule.blockedEncryptionTypes } }
        : {}),
    })),
  });
}
