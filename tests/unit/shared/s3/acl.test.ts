import { describe, expect, it } from '@jest/globals';
import type { BucketRecord } from '../../../../shared/metadata/ports.js';
import {
  ALL_USERS,
  aclFromHeaders,
  aclToPut,
  BUCKET_OWNER,
  parseAccessControlPolicy,
} from '../../../../shared/s3/acl.js';
import { s3ErrorOf } from './s3-error.js';

const OWNER_ID = BUCKET_OWNER.id;
const ownerGrant = {
  grantee: { type: 'CanonicalUser', id: OWNER_ID, displayName: BUCKET_OWNER.displayName },
  permission: 'FULL_CONTROL',
} as const;
const OTHER_ID = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';
const plainBucket: BucketRecord = { name: 'b', createdAt: new Date(0) };
const enforcedBucket: BucketRecord = { ...plainBucket, configs: { ownership: 'BucketOwnerEnforced' } };

const xml = (text: string): Buffer => Buffer.from(text, 'utf8');

function policyXml(grants: string, owner = `<Owner><ID>${OWNER_ID}</ID></Owner>`): Buffer {
  return xml(
    `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${owner}<AccessControlList>${grants}</AccessControlList></AccessControlPolicy>`,
  );
}

const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

describe('aclFromHeaders', () => {
  it('is undefined when the request names no ACL', () => {
    expect(aclFromHeaders({ 'content-type': 'text/plain' })).toBeUndefined();
  });

  it.each([
    ['private', [ownerGrant]],
    ['public-read', [ownerGrant, { grantee: ALL_USERS, permission: 'READ' }]],
    [
      'public-read-write',
      [ownerGrant, { grantee: ALL_USERS, permission: 'READ' }, { grantee: ALL_USERS, permission: 'WRITE' }],
    ],
    [
      'authenticated-read',
      [
        ownerGrant,
        {
          grantee: { type: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' },
          permission: 'READ',
        },
      ],
    ],
    ['bucket-owner-full-control', [ownerGrant]],
    ['bucket-owner-read', [ownerGrant]],
    [
      'log-delivery-write',
      [
        ownerGrant,
        {
          grantee: { type: 'Group', uri: 'http://acs.amazonaws.com/groups/s3/LogDelivery' },
          permission: 'WRITE',
        },
        {
          grantee: { type: 'Group', uri: 'http://acs.amazonaws.com/groups/s3/LogDelivery' },
          permission: 'READ_ACP',
        },
      ],
    ],
  ])('turns the canned ACL %s into its grants', (canned, grants) => {
    expect(aclFromHeaders({ 'x-amz-acl': canned })).toEqual({ grants });
  });

  it('refuses an unknown canned ACL with InvalidArgument naming it', () => {
    const error = s3ErrorOf(() => aclFromHeaders({ 'x-amz-acl': 'public-ready' }));
    expect([error.code, error.detail]).toEqual([
      'InvalidArgument',
      { ArgumentName: 'x-amz-acl', ArgumentValue: 'public-ready' },
    ]);
  });

  it('reads x-amz-grant-* lists: id, uri and emailAddress, quoted or bare, in permission order', () => {
    // Act
    const acl = aclFromHeaders({
      'x-amz-grant-read': `uri="http://acs.amazonaws.com/groups/global/AllUsers", id=${OTHER_ID}`,
      'x-amz-grant-full-control': `id="${OWNER_ID}"`,
      'x-amz-grant-write-acp': 'emailAddress="xyz@example.com"',
    });

    // Assess
    expect(acl).toEqual({
      grants: [
        { grantee: { type: 'CanonicalUser', id: OWNER_ID }, permission: 'FULL_CONTROL' },
        { grantee: ALL_USERS, permission: 'READ' },
        { grantee: { type: 'CanonicalUser', id: OTHER_ID }, permission: 'READ' },
        {
          grantee: { type: 'AmazonCustomerByEmail', emailAddress: 'xyz@example.com' },
          permission: 'WRITE_ACP',
        },
      ],
    });
  });

  it.each([
    ['an unknown grantee type', 'name="bob"', 'Argument format not recognized'],
    ['no = at all', 'bob', 'Argument format not recognized'],
    ['an unknown group', 'uri="http://acs.amazonaws.com/groups/global/Nobody"', 'Invalid group uri'],
    ['an id that is not a canonical user id', 'id="123"', 'Invalid id'],
  ])('refuses a grant header with %s (InvalidArgument)', (_name, value, message) => {
    const error = s3ErrorOf(() => aclFromHeaders({ 'x-amz-grant-read': value }));
    expect([error.code, error.message]).toEqual(['InvalidArgument', message]);
  });

  it('refuses a canned ACL together with grant headers, as S3 words it', () => {
    const error = s3ErrorOf(() =>
      aclFromHeaders({ 'x-amz-acl': 'private', 'x-amz-grant-read': `id="${OTHER_ID}"` }),
    );
    expect([error.code, error.message]).toEqual([
      'InvalidRequest',
      'Specifying both Canned ACLs and Header Grants is not allowed',
    ]);
  });

  it('with BucketOwnerEnforced, allows only bucket-owner-full-control or the owner alone', () => {
    expect(aclFromHeaders({ 'x-amz-acl': 'bucket-owner-full-control' }, enforcedBucket)).toEqual({
      grants: [ownerGrant],
    });
    expect(aclFromHeaders({ 'x-amz-grant-full-control': `id="${OWNER_ID}"` }, enforcedBucket)).toBeDefined();
    expect(aclFromHeaders({}, enforcedBucket)).toBeUndefined();
    const refused: Record<string, string>[] = [
      { 'x-amz-acl': 'private' },
      { 'x-amz-grant-read': `id="${OTHER_ID}"` },
    ];
    for (const headers of refused) {
      const error = s3ErrorOf(() => aclFromHeaders(headers, enforcedBucket));
      expect([error.code, error.status, error.message]).toEqual([
        'AccessControlListNotSupported',
        400,
        'The bucket does not allow ACLs',
      ]);
    }
  });
});

describe('parseAccessControlPolicy', () => {
  it('reads the grants, telling the grantee type by its ID, URI or EmailAddress element', () => {
    // Act
    const acl = parseAccessControlPolicy(
      policyXml(
        `<Grant><Grantee ${XSI} xsi:type="CanonicalUser"><ID>${OWNER_ID}</ID><DisplayName>me</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>` +
          `<Grant><Grantee ${XSI} xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>` +
          `<Grant><Grantee ${XSI} xsi:type="AmazonCustomerByEmail"><EmailAddress>a@example.com</EmailAddress></Grantee><Permission>WRITE</Permission></Grant>`,
      ),
    );

    // Assess
    expect(acl).toEqual({
      grants: [
        { grantee: { type: 'CanonicalUser', id: OWNER_ID }, permission: 'FULL_CONTROL' },
        { grantee: ALL_USERS, permission: 'READ' },
        { grantee: { type: 'AmazonCustomerByEmail', emailAddress: 'a@example.com' }, permission: 'WRITE' },
      ],
    });
  });

  it('reads an empty AccessControlList as no grants', () => {
    expect(parseAccessControlPolicy(policyXml(''))).toEqual({ grants: [] });
  });

  it.each([
    ['not XML', xml('acl')],
    ['another root', xml('<Policy/>')],
    ['no Owner', policyXml('', '')],
    [
      'no AccessControlList',
      xml(`<AccessControlPolicy><Owner><ID>${OWNER_ID}</ID></Owner></AccessControlPolicy>`),
    ],
    [
      'an unknown permission',
      policyXml(`<Grant><Grantee><ID>${OTHER_ID}</ID></Grantee><Permission>ALL</Permission></Grant>`),
    ],
    ['a Grant without Grantee', policyXml('<Grant><Permission>READ</Permission></Grant>')],
    ['a Grantee naming nobody', policyXml('<Grant><Grantee></Grantee><Permission>READ</Permission></Grant>')],
  ])('refuses %s with MalformedACLError', (_name, body) => {
    const error = s3ErrorOf(() => parseAccessControlPolicy(body));
    expect([error.code, error.status]).toEqual(['MalformedACLError', 400]);
  });

  it('refuses an unknown group or a malformed id with InvalidArgument', () => {
    const group = s3ErrorOf(() =>
      parseAccessControlPolicy(
        policyXml(
          '<Grant><Grantee><URI>http://example.com/all</URI></Grantee><Permission>READ</Permission></Grant>',
        ),
      ),
    );
    expect([group.code, group.message]).toEqual(['InvalidArgument', 'Invalid group uri']);
    const id = s3ErrorOf(() => parseAccessControlPolicy(policyXml('', '<Owner><ID>me</ID></Owner>')));
    expect([id.code, id.message]).toEqual(['InvalidArgument', 'Invalid id']);
  });
});

describe('aclToPut', () => {
  const body = policyXml(
    `<Grant><Grantee ${XSI} xsi:type="CanonicalUser"><ID>${OTHER_ID}</ID></Grantee><Permission>READ</Permission></Grant>`,
  );

  it('takes the body, or else the headers', () => {
    expect(aclToPut({}, body, plainBucket).grants).toHaveLength(1);
    expect(aclToPut({ 'x-amz-acl': 'public-read' }, Buffer.alloc(0), plainBucket).grants).toHaveLength(2);
  });

  it('refuses a body together with an ACL header (UnexpectedContent)', () => {
    const error = s3ErrorOf(() => aclToPut({ 'x-amz-acl': 'private' }, body, plainBucket));
    expect([error.code, error.status, error.message]).toEqual([
      'UnexpectedContent',
      400,
      'This request does not support content.',
    ]);
  });

  it('refuses a request that names no ACL at all (MissingSecurityHeader)', () => {
    const error = s3ErrorOf(() => aclToPut({}, Buffer.alloc(0), plainBucket));
    expect([error.code, error.status, error.detail]).toEqual([
      'MissingSecurityHeader',
      400,
      { MissingHeaderName: 'x-amz-acl' },
    ]);
  });

  it('with BucketOwnerEnforced, refuses a body granting anyone but the owner full control', () => {
    expect(s3ErrorOf(() => aclToPut({}, body, enforcedBucket)).code).toBe('AccessControlListNotSupported');
    const ownerOnly = policyXml(
      `<Grant><Grantee ${XSI} xsi:type="CanonicalUser"><ID>${OWNER_ID}</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>`,
    );
    expect(aclToPut({}, ownerOnly, enforcedBucket).grants).toHaveLength(1);
  });
});
