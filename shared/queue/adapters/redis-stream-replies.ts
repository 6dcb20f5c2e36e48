import type { Task } from '../ports.js';

/** One stream entry as Redis returns it: an id and a flat `[field, value, ...]` list (null once deleted). */
export interface StreamEntry {
  id: string;
  fields: Record<string, string> | undefined;
}

/** The fields a task entry carries in the stream (and, with the failure, in the dead-letter stream). */
export function encodeTaskFields(task: Task, publishedAtMs: number): string[] {
  return ['task', JSON.stringify(task), 'publishedAt', String(publishedAtMs)];
}

/** The task of an entry, or undefined when it is missing or not a task we know (then it is dead-lettered). */
export function decodeTask(fields: Record<string, string> | undefined): Task | undefined {
  const raw = fields?.task;
  if (raw === undefined) return undefined;
  try {
    const task: unknown = JSON.parse(raw);
    if (isTask(task)) return task;
  } catch {
    // Falls through: an unreadable entry is reported by the caller.
  }
  return undefined;
}

function isTask(value: unknown): value is Task {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  const blobIds = candidate.blobIds;
  if (!Array.isArray(blobIds) || !blobIds.every((id) => typeof id === 'string')) return false;
  if (candidate.type === 'delete_from_storage') return true;
  return (
    candidate.type === 'upload_completed' &&
    typeof candidate.bucket === 'string' &&
    typeof candidate.key === 'string'
  );
}

/** Entries of an XREADGROUP or XAUTOCLAIM reply: `[[id, [f, v, ...] | null], ...]`. */
export function parseEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) return [];
  const entries: StreamEntry[] = [];
  for (const item of reply) {
    if (!Array.isArray(item) || typeof item[0] !== 'string') continue;
    entries.push({ id: item[0], fields: Array.isArray(item[1]) ? pairs(item[1]) : undefined });
  }
  return entries;
}

/** The entries of our one stream in an XREADGROUP reply: `[[stream, entries]]` or null. */
export function parseReadGroupReply(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) return [];
  return reply.flatMap((streamReply) => (Array.isArray(streamReply) ? parseEntries(streamReply[1]) : []));
}

/** XAUTOCLAIM: `[nextCursor, entries, deletedIds]` (the third element since Redis 7). */
export function parseAutoClaimReply(reply: unknown): {
  cursor: string;
  entries: StreamEntry[];
  deletedIds: string[];
} {
  if (!Array.isArray(reply)) return { cursor: '0-0', entries: [], deletedIds: [] };
  const deletedIds = Array.isArray(reply[2])
    ? reply[2].filter((id): id is string => typeof id === 'string')
    : [];
  return {
    cursor: typeof reply[0] === 'string' ? reply[0] : '0-0',
    entries: parseEntries(reply[1]),
    deletedIds,
  };
}

/** XPENDING with a range: `[[id, consumer, idleMs, deliveryCount], ...]` as id -> delivery count. */
export function parseDeliveryCounts(reply: unknown): Map<string, number> {
  const counts = new Map<string, number>();
  if (!Array.isArray(reply)) return counts;
  for (const item of reply) {
    if (Array.isArray(item) && typeof item[0] === 'string') counts.set(item[0], Number(item[3]));
  }
  return counts;
}

/** XPENDING summary: `[count, minId, maxId, consumers]`. */
export function parsePendingSummary(reply: unknown): { count: number; oldestId: string | undefined } {
  if (!Array.isArray(reply)) return { count: 0, oldestId: undefined };
  return { count: Number(reply[0]) || 0, oldestId: typeof reply[1] === 'string' ? reply[1] : undefined };
}

/** Our group in XINFO GROUPS (each group a flat `[field, value, ...]` list); `lag` is null when unknown. */
export function parseGroupInfo(
  reply: unknown,
  group: string,
): { lastDeliveredId: string; lag: number | undefined } | undefined {
  if (!Array.isArray(reply)) return undefined;
  for (const item of reply) {
    if (!Array.isArray(item)) continue;
    const info = pairs(item);
    if (info.name !== group) continue;
    const lag = info.lag === undefined || info.lag === null || info.lag === '' ? undefined : Number(info.lag);
    return {
      lastDeliveredId: info['last-delivered-id'] ?? '0-0',
      lag: Number.isFinite(lag) ? lag : undefined,
    };
  }
  return undefined;
}

/** The millisecond timestamp of a stream id (`<ms>-<seq>`). */
export function streamIdTimeMs(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

function pairs(flat: unknown[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const value = flat[i + 1];
    if (value !== null && value !== undefined) record[String(flat[i])] = String(value);
  }
  return record;
}
