/**
 * S3 Object Ownership: the bucket setting that decides whether ACLs apply
 * (`<OwnershipControls><Rule><ObjectOwnership>`, or CreateBucket's `x-amz-object-ownership`).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
 */
import { S3Error } from './errors.js';
import { childrenOf, listOf, parseRoot, textOf } from './request-xml.js';

export const OBJECT_OWNERSHIPS = ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'] as const;
export type ObjectOwnership = (typeof OBJECT_OWNERSHIPS)[number];

function isObjectOwnership(value: string | undefined): value is ObjectOwnership {
  return (OBJECT_OWNERSHIPS as readonly (string | undefined)[]).includes(value);
}

/**
 * The setting of a PutBucketOwnershipControls body, which holds exactly one rule.
 * @throws S3Error MalformedXML for another document, no rule or several, or an unknown setting
 */
export function parseOwnershipControls(body: Buffer): ObjectOwnership {
  const rules = listOf(childrenOf(parseRoot(body, 'OwnershipControls')), 'Rule');
  if (rules.length !== 1) throw new S3Error('MalformedXML');
  const ownership = textOf(rules[0]!, 'ObjectOwnership')?.trim();
  if (!isObjectOwnership(ownership)) throw new S3Error('MalformedXML');
  return ownership;
}

/**
 * The setting CreateBucket's `x-amz-object-ownership` asks for; undefined when absent.
 * @throws S3Error InvalidArgument for an unknown setting
 */
export function ownershipFromHeader(value: string | undefined): ObjectOwnership | undefined {
  if (value === undefined || isObjectOwnership(value)) return value;
  throw new S3Error('InvalidArgument', {
    message: `Invalid x-amz-object-ownership header: ${value}`,
    detail: { ArgumentName: 'x-amz-object-ownership', ArgumentValue: value },
  });
}
