/**
 * ACLs as S3 takes them: canned ACLs (`x-amz-acl`), grant headers (`x-amz-grant-*`) and the
 * `<AccessControlPolicy>` document, and what a bucket's Object Ownership allows. Stored and
 * answered, never enforced. https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html
 */
import type { AccessControlPolicy, BucketRecord, Grant, Grantee, Permission } from '../metadata/ports.js';
import { S3Error } from './errors.js';
import { childrenOf, listOf, parseRoot, textOf, type XmlElement } from './request-xml.js';

/** The one account here: owner of every bucket and object. */
export const BUCKET_OWNER = {
  id: '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a',
  displayName: 'mock-s3',
} as const;

const GROUPS = 'http://acs.amazonaws.com/groups/';
export const ALL_USERS: Grantee = { type: 'Group', uri: `${GROUPS}global/AllUsers` };
const AUTHENTICATED_USERS: Grantee = { type: 'Group', uri: `${GROUPS}global/AuthenticatedUsers` };
const LOG_DELIVERY: Grantee = { type: 'Group', uri: `${GROUPS}s3/LogDelivery` };
const KNOWN_GROUPS = new Set(
  [ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY].map((g) => (g as { uri: string }).uri),
);

const OWNER_FULL_CONTROL: Grant = {
  grantee: { type: 'CanonicalUser', id: BUCKET_OWNER.id, displayName: BUCKET_OWNER.displayName },
  permission: 'FULL_CONTROL',
};

/** The ACL of anything that was never given one: the owner's FULL_CONTROL. */
export const DEFAULT_ACL: AccessControlPolicy = { grants: [OWNER_FULL_CONTROL] };

/**
 * The canned ACLs and the grants beside the owner's FULL_CONTROL each adds. Object and bucket
 * owner are one account here, so bucket-owner-read and bucket-owner-full-control add nothing;
 * aws-exec-read's EC2 grantee has no canonical id AWS documents, so it adds nothing either.
 */
const CANNED_ACLS: Record<string, Grant[]> = {
  private: [],
  'public-read': [{ grantee: ALL_USERS, permission: 'READ' }],
  'public-read-write': [
    { grantee: ALL_USERS, permission: 'READ' },
    { grantee: ALL_USERS, permission: 'WRITE' },
  ],
  'authenticated-read': [{ grantee: AUTHENTICATED_USERS, permission: 'READ' }],
  'aws-exec-read': [],
  'bucket-owner-read': [],
  'bucket-owner-full-control': [],
  'log-delivery-write': [
    { grantee: LOG_DELIVERY, permission: 'WRITE' },
    { grantee: LOG_DELIVERY, permission: 'READ_ACP' },
  ],
};

/** The grant headers, in the order their grants are listed. */
const GRANT_HEADERS: [string, Permission][] = [
  ['x-amz-grant-full-control', 'FULL_CONTROL'],
  ['x-amz-grant-read', 'READ'],
  ['x-amz-grant-read-acp', 'READ_ACP'],
  ['x-amz-grant-write', 'WRITE'],
  ['x-amz-grant-write-acp', 'WRITE_ACP'],
];

const PERMISSIONS = new Set<string>(['FULL_CONTROL', 'WRITE', 'WRITE_ACP', 'READ', 'READ_ACP']);
const CANONICAL_ID = /^[0-9a-f]{64}$/i;

/**
 * The ACL a request asks for with `x-amz-acl` or `x-amz-grant-*`; undefined when it names none.
 * With `bucket` given, its Object Ownership is applied: BucketOwnerEnforced takes no ACL but
 * bucket-owner-full-control (or grants of the owner's FULL_CONTROL alone).
 * @throws S3Error InvalidArgument for an unknown canned ACL or a grant S3 cannot read;
 *   InvalidRequest for a canned ACL together with grants; AccessControlListNotSupported
 */
export function aclFromHeaders(
  headers: Record<string, string>,
  bucket?: BucketRecord,
): AccessControlPolicy | undefined {
  const canned = headers['x-amz-acl'];
  const grants = grantsFromHeaders(headers);
  if (canned !== undefined && grants !== undefined) {
    throw new S3Error('InvalidRequest', {
      message: 'Specifying both Canned ACLs and Header Grants is not allowed',
    });
  }
  if (canned !== undefined) {
    if (!Object.hasOwn(CANNED_ACLS, canned)) {
      throw new S3Error('InvalidArgument', { detail: { ArgumentName: 'x-amz-acl', ArgumentValue: canned } });
    }
    if (isOwnerEnforced(bucket) && canned !== 'bucket-owner-full-control') throw aclsNotSupported();
    return { grants: [OWNER_FULL_CONTROL, ...CANNED_ACLS[canned]!] };
  }
  if (grants === undefined) return undefined;
  const acl = { grants };
  if (isOwnerEnforced(bucket) && !isOwnerFullControlOnly(acl)) throw aclsNotSupported();
  return acl;
}

function grantsFromHeaders(headers: Record<string, string>): Grant[] | undefined {
  let grants: Grant[] | undefined;
  for (const [name, permission] of GRANT_HEADERS) {
    const value = headers[name];
    if (value === undefined) continue;
    grants ??= [];
    for (const item of value.split(','))
      grants.push({ grantee: granteeFromHeader(name, item.trim()), permission });
  }
  return grants;
}

/** One `type="value"` (or bare `type=value`) of a grant header. */
function granteeFromHeader(header: string, item: string): Grantee {
  const equals = item.indexOf('=');
  const type = equals < 0 ? '' : item.slice(0, equals).trim();
  const value =
    equals < 0
      ? ''
      : item
          .slice(equals + 1)
          .trim()
          .replace(/^"(.*)"$/, '$1');
  switch (type) {
    case 'id':
      return { type: 'CanonicalUser', id: checkedId(value, 'id') };
    case 'uri':
      return { type: 'Group', uri: checkedGroup(value, 'uri') };
    case 'emailAddress':
      return { type: 'AmazonCustomerByEmail', emailAddress: value };
    default:
      throw invalidArgument('Argument format not recognized', header, item);
  }
}

function checkedId(id: string, argumentName: string): string {
  if (!CANONICAL_ID.test(id)) throw invalidArgument('Invalid id', argumentName, id);
  return id;
}

function checkedGroup(uri: string, argumentName: string): string {
  if (!KNOWN_GROUPS.has(uri)) throw invalidArgument('Invalid group uri', argumentName, uri);
  return uri;
}

function invalidArgument(message: string, name: string, value: string): S3Error {
  return new S3Error('InvalidArgument', { message, detail: { ArgumentName: name, ArgumentValue: value } });
}

function malformedAcl(): S3Error {
  return new S3Error('MalformedACLError');
}

function aclsNotSupported(): S3Error {
  return new S3Error('AccessControlListNotSupported');
}

/**
 * Parses a PutObjectAcl / PutBucketAcl body: `<AccessControlPolicy>` with `<Owner><ID>` and an
 * `<AccessControlList>` of `<Grant><Grantee/><Permission/></Grant>`. A grantee's kind is read from
 * the element it holds (ID, URI or EmailAddress), which is what its `xsi:type` must say anyway.
 * @throws S3Error MalformedACLError when the document does not match the schema; InvalidArgument
 *   for an owner or grantee id that is no canonical id, or an unknown group
 */
export function parseAccessControlPolicy(body: Buffer): AccessControlPolicy {
  let root: XmlElement;
  try {
    root = childrenOf(parseRoot(body, 'AccessControlPolicy'));
  } catch {
    throw malformedAcl();
  }
  return readPolicy(root);
}

function readPolicy(root: XmlElement): AccessControlPolicy {
  const owner = root.Owner;
  const list = root.AccessControlList;
  if (owner === undefined || list === undefined || Array.isArray(owner) || Array.isArray(list))
    throw malformedAcl();
  const ownerId = malformedAclUnless(() => textOf(childrenOf(owner), 'ID'));
  if (ownerId === undefined) throw malformedAcl();
  checkedId(ownerId.trim(), 'CanonicalUser/ID');
  const entries = malformedAclUnless(() =>
    listOf(typeof list === 'string' && list.trim() === '' ? {} : childrenOf(list), 'Grant'),
  );
  return { grants: entries.map(readGrant) };
}

function readGrant(grant: XmlElement): Grant {
  const permission = malformedAclUnless(() => textOf(grant, 'Permission'))?.trim();
  const grantee = grant.Grantee;
  if (permission === undefined || !PERMISSIONS.has(permission)) throw malformedAcl();
  if (grantee === undefined || Array.isArray(grantee)) throw malformedAcl();
  const fields = malformedAclUnless(() => {
    const element = typeof grantee === 'string' && grantee.trim() === '' ? {} : childrenOf(grantee);
    return { id: textOf(element, 'ID'), uri: textOf(element, 'URI'), email: textOf(element, 'EmailAddress') };
  });
  if (fields.id !== undefined)
    return {
      grantee: { type: 'CanonicalUser', id: checkedId(fields.id.trim(), 'CanonicalUser/ID') },
      permission: permission as Permission,
    };
  if (fields.uri !== undefined)
    return {
      grantee: { type: 'Group', uri: checkedGroup(fields.uri.trim(), 'Group/URI') },
      permission: permission as Permission,
    };
  if (fields.email !== undefined)
    return {
      grantee: { type: 'AmazonCustomerByEmail', emailAddress: fields.email.trim() },
      permission: permission as Permission,
    };
  throw malformedAcl();
}

/** Runs a read of the parsed document; its MalformedXML is a MalformedACLError here. */
function malformedAclUnless<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof S3Error && error.code === 'MalformedXML') throw malformedAcl();
    throw error;
  }
}

/**
 * The ACL a PutObjectAcl or PutBucketAcl sets: the body's AccessControlPolicy, or else the canned
 * ACL or grants of the headers (one or the other, as S3 requires), checked against `bucket`'s
 * Object Ownership.
 * @throws S3Error UnexpectedContent for a body with ACL headers; MissingSecurityHeader for
 *   neither; AccessControlListNotSupported; the errors of {@link aclFromHeaders} and
 *   {@link parseAccessControlPolicy}
 */
export function aclToPut(
  headers: Record<string, string>,
  body: Buffer,
  bucket: BucketRecord,
): AccessControlPolicy {
  const hasBody = body.toString('utf8').trim() !== '';
  const fromHeaders = aclFromHeaders(headers, bucket);
  if (hasBody && fromHeaders !== undefined) throw new S3Error('UnexpectedContent');
  if (fromHeaders !== undefined) return fromHeaders;
  if (!hasBody) throw new S3Error('MissingSecurityHeader', { detail: { MissingHeaderName: 'x-amz-acl' } });
  const acl = parseAccessControlPolicy(body);
  if (isOwnerEnforced(bucket) && !isOwnerFullControlOnly(acl)) throw aclsNotSupported();
  return acl;
}

/** True when the bucket's Object Ownership is BucketOwnerEnforced (ACLs disabled). */
export function isOwnerEnforced(bucket: BucketRecord | undefined): boolean {
  return bucket?.configs?.ownership === 'BucketOwnerEnforced';
}

/** True when `acl` grants nothing but the owner's FULL_CONTROL (what BucketOwnerEnforced allows). */
export function isOwnerFullControlOnly(acl: AccessControlPolicy): boolean {
  return acl.grants.every(
    (grant) =>
      grant.permission === 'FULL_CONTROL' &&
      grant.grantee.type === 'CanonicalUser' &&
      grant.grantee.id.toLowerCase() === BUCKET_OWNER.id,
  );
}
