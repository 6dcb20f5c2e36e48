import type { AccessControlPolicy } from '../metadata/ports.js';

// Issue 15 contract stub: the ATTRS part implements this (canned ACLs and x-amz-grant-* headers).

/** The ACL a write asks for with `x-amz-acl` or `x-amz-grant-*`; undefined when it names none. */
export function aclFromHeaders(_headers: Record<string, string>): AccessControlPolicy | undefined {
  return undefined;
}
