/**
 * The `integrity` checker (DRILLS.md "Windows and probes"): judges the load's history against what
 * was read back after recovery, trusting nothing the server says about itself (only bytes read and
 * keys listed). Pure: the same history and read-back give the same report.
 *
 * The model (Jepsen's): a mutation takes effect at one instant. An acknowledged one (2xx) took
 * effect between its start and its end. One that failed or got no answer may never have taken
 * effect, or may have taken effect at any time after it started (the server may finish a write
 * after the client gave up), so it never counts against the store. Reads are not held to recency:
 * a read during the run of an older acknowledged version (a stale read) is not a violation; only
 * bytes that no writer sent are.
 *
 * Per key, the final state after recovery may be the bytes of any write that could have been the
 * last to take effect, or absent if a delete could have been last (or no acknowledged write exists).
 * An acknowledged mutation M could have been last unless another acknowledged mutation started
 * after M ended; an unacknowledged one always could. Then:
 * - lost: an acknowledged write could have been last, yet the key reads back absent while no delete
 *   could have been last, or reads back bytes no mutation that could have been last wrote;
 * - phantom: a read (during the run, or the final one) returned bytes no write for that key sent;
 *   also a listed key no write was ever attempted for;
 * - resurrected: only acknowledged deletes could have been last (no write could have landed after
 *   them), and the key is still readable or listed;
 * - listing_gap: readable after recovery but missing from the full listing.
 * A key whose final read failed (not a 404) is unverifiable: listed, not judged, with one
 * exception: an acknowledged write must be there (no delete could have been last) and the server
 * answered a 5xx (not a throttle) even after the read-back's retries, after recovery and rollback.
 * The server cannot produce acknowledged bytes, so for a client they are lost (every replica write
 * acknowledged and not stored reads back as 503 ServiceUnavailable); believing such an error
 * temporary would be trusting the server's word. No answer at all (a reset, the deadline) and a
 * throttle (come back later) stay unverifiable.
 *
 * A copy's bytes are the source's at the instant the copy took effect, which the history cannot
 * pin down (the source may have had a write fail or vanish): a copy may have written any bytes a
 * write of the run sent to any key, so it can never be blamed for a phantom.
 */
import type { DeleteRecord, LoadHistory, ReadRecord, WriteRecord } from '../../load/types.js';
import { formatDuration } from '../../load/units.js';
import type { Firing, IntegrityReport, IntegrityViolation, ReadBack, ViolationKind } from '../types.js';
import { VIOLATION_KINDS } from '../types.js';

interface KeyHistory {
  readonly writes: WriteRecord[];
  readonly deletes: DeleteRecord[];
  readonly reads: ReadRecord[];
}

type Mutation =
  | { readonly kind: 'write'; readonly record: WriteRecord }
  | { readonly kind: 'delete'; readonly record: DeleteRecord };

type Finding = Omit<IntegrityViolation, 'rules'>;

const short = (sha256: string) => `${sha256.slice(0, 8)}…`;
const at = (ms: number) => formatDuration(ms);

function groupByKey(history: LoadHistory, readBack: ReadBack): Map<string, KeyHistory> {
  const keys = new Map<string, KeyHistory>();
  const entry = (key: string) => {
    let found = keys.get(key);
    if (found === undefined) {
      found = { writes: [], deletes: [], reads: [] };
      keys.set(key, found);
    }
    return found;
  };
  for (const write of history.writes) entry(write.key).writes.push(write);
  for (const del of history.deletes) entry(del.key).deletes.push(del);
  for (const read of history.reads) entry(read.key).reads.push(read);
  for (const key of readBack.objects.keys()) entry(key);
  if (readBack.listingError === undefined) for (const key of readBack.listed) entry(key);
  return keys;
}

/** The mutations that could have been the last to take effect on a key. */
function possiblyLast(key: KeyHistory): Mutation[] {
  const mutations: Mutation[] = [
    ...key.writes.map((record) => ({ kind: 'write', record }) as const),
    ...key.deletes.map((record) => ({ kind: 'delete', record }) as const),
  ];
  // A loop, not Math.max(...): a hot key may have more mutations than a call takes arguments.
  let latestAckedStart = Number.NEGATIVE_INFINITY;
  for (const m of mutations)
    if (m.record.acked) latestAckedStart = Math.max(latestAckedStart, m.record.startedAtMs);
  // Ties count as overlapping: millisecond clocks cannot order two events in the same millisecond.
  return mutations.filter((m) => !m.record.acked || latestAckedStart <= m.record.endedAtMs);
}

/** Answers that say "not now" rather than "not there": never judged. */
const THROTTLES: ReadonlySet<string> = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequests',
]);

function isServerFailure(
  final: ReadBack['objects'] extends ReadonlyMap<string, infer V> ? V : never,
): boolean {
  // read-back.ts writes the error as `<status> <code>` when the server answered.
  const [, status, code] = /^(\d{3}) (\S+)/.exec(final.error ?? '') ?? [];
  const answered = final.status ?? (status === undefined ? undefined : Number(status));
  return answered !== undefined && answered >= 500 && !THROTTLES.has(code ?? '');
}

function describeWrite(write: WriteRecord): string {
  return `${write.operation} of ${short(write.sha256)} acknowledged at ${at(write.endedAtMs)}`;
}

/** Bytes a write of this key may have put there: its own, and for a copy, any sent in the run. */
function bytesOf(key: KeyHistory, sentInRun: ReadonlySet<string>): (sha256: string) => boolean {
  const own = new Set(key.writes.map((write) => write.sha256));
  const copied = key.writes.some((write) => write.operation === 'copy');
  return (sha256) => own.has(sha256) || (copied && sentInRun.has(sha256));
}

function couldHaveWritten(write: WriteRecord, sha256: string, sentInRun: ReadonlySet<string>): boolean {
  return write.sha256 === sha256 || (write.operation === 'copy' && sentInRun.has(sha256));
}

function judgeFinalState(
  name: string,
  key: KeyHistory,
  readBack: ReadBack,
  sentInRun: ReadonlySet<string>,
  findings: Finding[],
): void {
  const final = readBack.objects.get(name)!;
  const finalIds = final.requestId === undefined ? [] : [final.requestId];
  const last = possiblyLast(key);
  const lastWrites = last.flatMap((m) => (m.kind === 'write' ? [m.record] : []));
  const ackedLastWrites = lastWrites.filter((write) => write.acked);
  const ackedLastDeletes = last.flatMap((m) => (m.kind === 'delete' && m.record.acked ? [m.record] : []));
  const absentAllowed = !key.writes.some((write) => write.acked) || last.some((m) => m.kind === 'delete');
  const sent = bytesOf(key, sentInRun);
  const listed = readBack.listingError === undefined ? readBack.listed.has(name) : undefined;
  const seen = final.sha256 === null ? 'read back: 404' : `read back ${short(final.sha256)}`;

  if (final.sha256 !== null && !sent(final.sha256)) {
    findings.push({
      kind: 'phantom',
      key: name,
      detail: `the final read returned ${short(final.sha256)}, bytes no write for this key sent`,
      requestIds: finalIds,
    });
  }
  const valueAllowed =
    final.sha256 === null
      ? absentAllowed
      : lastWrites.some((w) => couldHaveWritten(w, final.sha256!, sentInRun));
  if (!valueAllowed && ackedLastWrites.length > 0) {
    const newest = ackedLastWrites.reduce((a, b) => (b.endedAtMs > a.endedAtMs ? b : a));
    const older = key.writes.find((write) => write.sha256 === final.sha256);
    findings.push({
      kind: 'lost',
      key: name,
      detail: `${describeWrite(newest)}; ${seen}${older === undefined ? '' : ` (an older write, sent at ${at(older.startedAtMs)})`}`,
      requestIds: [...ackedLastWrites.flatMap((write) => write.requestIds), ...finalIds],
      atMs: newest.endedAtMs,
    });
  }
  // Resurrected: only acknowledged deletes could have been last, and the key is back.
  if (lastWrites.length === 0 && ackedLastDeletes.length > 0 && (final.sha256 !== null || listed === true)) {
    const lastDelete = ackedLastDeletes.reduce((a, b) => (b.endedAtMs > a.endedAtMs ? b : a));
    findings.push({
      kind: 'resurrected',
      key: name,
      detail: `delete acknowledged at ${at(lastDelete.endedAtMs)}; ${final.sha256 === null ? 'still listed' : `${seen}${listed ? ', listed' : ''}`}`,
      requestIds: [
        ...ackedLastDeletes.flatMap((del) => del.requestIds),
        ...finalIds,
        ...(listed ? readBack.listingRequestIds : []),
      ],
      atMs: lastDelete.endedAtMs,
    });
  }
  if (final.sha256 !== null && listed === false) {
    findings.push({
      kind: 'listing_gap',
      key: name,
      detail: `${seen}, but the full listing of the prefix does not name it`,
      requestIds: [...finalIds, ...readBack.listingRequestIds],
    });
  }
}

/** A key whose final read failed: lost when its bytes must exist and the server failed (see above). */
function judgeUnreadable(name: string, key: KeyHistory, readBack: ReadBack, findings: Finding[]): boolean {
  const final = readBack.objects.get(name)!;
  const last = possiblyLast(key);
  const ackedLastWrites = last.flatMap((m) => (m.kind === 'write' && m.record.acked ? [m.record] : []));
  const mustExist = ackedLastWrites.length > 0 && !last.some((m) => m.kind === 'delete');
  if (!mustExist || !isServerFailure(final)) return false;
  const newest = ackedLastWrites.reduce((a, b) => (b.endedAtMs > a.endedAtMs ? b : a));
  findings.push({
    kind: 'lost',
    key: name,
    detail: `${describeWrite(newest)}; read back after recovery: ${final.error}`,
    requestIds: [
      ...ackedLastWrites.flatMap((write) => write.requestIds),
      ...(final.requestId === undefined ? [] : [final.requestId]),
    ],
    atMs: newest.endedAtMs,
  });
  return true;
}

function judgeReads(
  name: string,
  key: KeyHistory,
  sentInRun: ReadonlySet<string>,
  findings: Finding[],
): void {
  const sent = bytesOf(key, sentInRun);
  for (const read of key.reads) {
    if (sent(read.sha256)) continue;
    findings.push({
      kind: 'phantom',
      key: name,
      detail: `a read at ${at(read.startedAtMs)} returned ${short(read.sha256)}, bytes no write for this key sent`,
      requestIds: read.requestIds,
      atMs: read.startedAtMs,
    });
  }
}

/** Judges every key the run touched, read back or listed; each violation names its rules. */
export function checkIntegrity(
  history: LoadHistory,
  readBack: ReadBack,
  firings: readonly Firing[],
): IntegrityReport {
  const findings: Finding[] = [];
  const unverifiable: string[] = [];
  const keys = groupByKey(history, readBack);
  let finalReads = 0;
  const sentInRun = new Set(history.writes.map((write) => write.sha256));
  for (const [name, key] of [...keys].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    judgeReads(name, key, sentInRun, findings);
    const final = readBack.objects.get(name);
    if (final === undefined) {
      // Listed, never touched by the load: a key nobody attempted to write.
      if (key.writes.length === 0 && key.deletes.length === 0 && key.reads.length === 0) {
        findings.push({
          kind: 'phantom',
          key: name,
          detail: 'listed, but no write was ever attempted for it',
          requestIds: readBack.listingRequestIds,
        });
      } else {
        unverifiable.push(name);
      }
      continue;
    }
    if (final.error !== undefined) {
      if (!judgeUnreadable(name, key, readBack, findings)) unverifiable.push(name);
      continue;
    }
    finalReads += 1;
    judgeFinalState(name, key, readBack, sentInRun, findings);
  }
  const rulesByRequest = new Map<string, Set<string>>();
  for (const firing of firings) {
    if (firing.requestId === undefined) continue;
    const rules = rulesByRequest.get(firing.requestId) ?? new Set<string>();
    rules.add(firing.ruleId);
    rulesByRequest.set(firing.requestId, rules);
  }
  const kindOrder = (kind: ViolationKind) => VIOLATION_KINDS.indexOf(kind);
  const violations = findings
    .map((finding) => ({
      ...finding,
      requestIds: [...new Set(finding.requestIds)],
      rules: [...new Set(finding.requestIds.flatMap((id) => [...(rulesByRequest.get(id) ?? [])]))].sort(),
    }))
    .sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind));
  return {
    keysChecked: keys.size,
    acknowledgedWrites: history.writes.filter((write) => write.acked).length,
    acknowledgedDeletes: history.deletes.filter((del) => del.acked).length,
    readsChecked: history.reads.length + finalReads,
    violations,
    unverifiable,
  };
}
