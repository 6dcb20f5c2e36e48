/**
 * The history the integrity checker reads (DRILLS.md `integrity`): every write attempted, every
 * delete, every read that returned bytes, with SHA-256 of what was sent and received.
 */
import { createHash } from 'node:crypto';
import type { DeleteRecord, LoadHistory, ReadRecord, WriteRecord } from './types.js';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class HistoryLog implements LoadHistory {
  readonly writes: WriteRecord[] = [];
  readonly deletes: DeleteRecord[] = [];
  readonly reads: ReadRecord[] = [];

  write(record: WriteRecord): void {
    this.writes.push(record);
  }

  delete(record: DeleteRecord): void {
    this.deletes.push(record);
  }

  read(record: ReadRecord): void {
    this.reads.push(record);
  }

  snapshot(): LoadHistory {
    return { writes: [...this.writes], deletes: [...this.deletes], reads: [...this.reads] };
  }
}
