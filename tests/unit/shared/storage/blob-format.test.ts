import { describe, expect, it } from '@jest/globals';
import {
  BLOB_HEADER_SIZE,
  damageReplica,
  decodeBlob,
  encodeBlob,
} from '../../../../shared/storage/blob-format.js';
import { BlobCorruptError } from '../../../../shared/storage/ports.js';

const MODES = ['bitflip', 'zero', 'truncate'] as const;
const CONTENTS = {
  'some bytes': Buffer.from('the quick brown fox jumps over the lazy dog'),
  'an empty content': Buffer.alloc(0),
  'a content of zeros': Buffer.alloc(10_000),
};

describe('damageReplica', () => {
  for (const [what, content] of Object.entries(CONTENTS)) {
    it.each(MODES)(`%s leaves a replica of ${what} that fails its checksum`, (mode) => {
      // Prepare
      const stored = encodeBlob(content);
      const original = Buffer.from(stored);

      // Act
      const damaged = damageReplica(stored, mode);

      // Assess
      expect(stored.equals(original)).toBe(true);
      expect(damaged.equals(stored)).toBe(false);
      expect(() => decodeBlob(damaged, 'blob', 'node-1')).toThrow(BlobCorruptError);
      if (mode === 'truncate') expect(damaged.length).toBeLessThan(stored.length);
      else expect(damaged.length).toBe(stored.length);
    });
  }

  it('bitflip changes exactly one bit of the content, zero at most 4 KiB of it', () => {
    // Prepare
    const stored = encodeBlob(Buffer.alloc(64 * 1024, 0xff));

    // Act
    const flipped = damageReplica(stored, 'bitflip');
    const zeroed = damageReplica(stored, 'zero');

    // Assess
    const changed = (damaged: Buffer) => [...damaged.keys()].filter((i) => damaged[i] !== stored[i]);
    expect(changed(flipped)).toHaveLength(1);
    expect(changed(flipped)[0]).toBeGreaterThanOrEqual(BLOB_HEADER_SIZE);
    expect(changed(zeroed)).toHaveLength(4096);
    expect(changed(zeroed).every((i) => i >= BLOB_HEADER_SIZE && zeroed[i] === 0)).toBe(true);
  });

  it.each(MODES)('%s twice leaves the replica damaged (a second bitflip must not undo the first)', (mode) => {
    // Prepare
    const stored = encodeBlob(Buffer.from('bit rot does not heal itself'));

    // Act
    const twice = damageReplica(damageReplica(stored, mode), mode);

    // Assess
    expect(() => decodeBlob(twice, 'blob', 'node-1')).toThrow(BlobCorruptError);
  });
});

describe('version 2: a CRC32 per 1 MiB block', () => {
  const large = Buffer.alloc(2.5 * 1024 * 1024);
  for (let i = 0; i < large.length; i += 4) large.writeUInt32LE((i * 2654435761) >>> 0, i);

  it('writes contents over one block as version 2 and reads them back', () => {
    // Act
    const stored = encodeBlob(large);

    // Assess
    expect(stored.readUInt8(4)).toBe(2);
    expect(stored.length).toBe(BLOB_HEADER_SIZE + 3 * 4 + large.length);
    expect(decodeBlob(stored, 'blob', 'node-1').equals(large)).toBe(true);
    expect(encodeBlob(Buffer.alloc(1024 * 1024)).readUInt8(4)).toBe(1);
  });

  it.each(MODES)('%s leaves a version-2 replica that fails its checksums', (mode) => {
    // Act
    const damaged = damageReplica(encodeBlob(large), mode);

    // Assess
    expect(() => decodeBlob(damaged, 'blob', 'node-1')).toThrow(BlobCorruptError);
  });

  it('refuses a replica whose block table was changed', () => {
    // Prepare
    const stored = encodeBlob(large);
    stored[BLOB_HEADER_SIZE + 1] = stored[BLOB_HEADER_SIZE + 1]! ^ 0x10;

    // Act
    const decode = () => decodeBlob(stored, 'blob', 'node-1');

    // Assess
    expect(decode).toThrow(BlobCorruptError);
  });
});
