import type { DirtyFault } from '../faults/rule.js';
import type { OriginObject } from '../origin/ports.js';
import { checksumBase64, md5Hex } from '../s3/checksums.js';

/**
 * `object` as a `dirty` origin serves it, or undefined when the fault could change nothing (an
 * empty body has no bit to flip nor half to cut; `other_object` needs another key's different
 * body, `other`). `bitflip` flips one bit in the middle of the body, `truncate` keeps its first
 * half, `other_object` serves `other`'s body under this key's headers and metadata.
 *
 * `etag: mismatch` keeps the origin's ETag and checksum, so a reader that verifies refuses the
 * bytes (except a multipart object without a full-object checksum, whose bitflip nothing can
 * see); `etag: match` replaces them with the wrong bytes' MD5 and checksum, so nothing can tell.
 */
export function dirtyObject(
  object: OriginObject,
  fault: DirtyFault,
  other: OriginObject | undefined,
): OriginObject | undefined {
  const body = canDirty(object, fault, other) ? dirtyBody(object.body, fault, other) : undefined;
  if (body === undefined) return undefined;
  if (fault.etag === 'mismatch') return { ...object, body };
  const { checksum, etag: _etag, ...rest } = object;
  return {
    ...rest,
    body,
    etag: `"${md5Hex(body)}"`,
    // A composite checksum is made of the parts' own, which the wrong bytes no longer have.
    ...(checksum === undefined || checksum.type !== 'FULL_OBJECT'
      ? {}
      : { checksum: { ...checksum, value: checksumBase64(checksum.algorithm, body) } }),
  };
}

/** Whether `dirtyObject` would change anything (without making the wrong bytes). */
export function canDirty(object: OriginObject, fault: DirtyFault, other: OriginObject | undefined): boolean {
  if (fault.mode === 'other_object') return other !== undefined && !other.body.equals(object.body);
  return object.body.length > 0;
}

function dirtyBody(body: Buffer, fault: DirtyFault, other: OriginObject | undefined): Buffer | undefined {
  switch (fault.mode) {
    case 'bitflip': {
      const flipped = Buffer.from(body);
      const middle = Math.floor(body.length / 2);
      flipped[middle] = flipped[middle]! ^ 0x01;
      return flipped;
    }
    case 'truncate':
      return Buffer.from(body.subarray(0, Math.floor(body.length / 2)));
    case 'other_object':
      return other?.body;
  }
}
