import { describe, expect, it } from '@jest/globals';
import { createFaultEngine } from '../../../../shared/faults/engine.js';
import type { FaultEvent } from '../../../../shared/faults/match.js';
import { parseRule } from '../../../../shared/faults/parse-rule.js';
import { byEvaluationOrder, type RuleEntry, RuleSet } from '../../../../shared/faults/rule-set.js';
import { DAY_MS, manualClock, parseOptions, s3Event } from './fault-fixtures.js';

const GET = s3Event('GET', '/photos/2024/cat.jpg', {
  operation: 'GetObject',
  headers: { 'x-test-case': 'checkout', host: 'localhost' },
  size: 2048,
});

/** One rule per way into the index, each matching GET and reachable only through that way. */
const ONE_PER_PATH: Record<string, Record<string, unknown>> = {
  general: { minSize: 1000 },
  'exact bucket': { bucket: 'photos' },
  'exact bucket, then key prefix': { bucket: 'photos', key: '2024/*' },
  'exact bucket, then header': { bucket: 'photos', headers: { 'X-Test-Case': 'checkout' } },
  'exact bucket, then operation': { bucket: 'photos', operation: 'GetObject' },
  header: { headers: { 'x-test-case': 'checkout' } },
  'key prefix': { key: '2024/c*' },
  'exact key': { key: '2024/cat.jpg' },
  'bucket prefix': { bucket: 'pho*' },
  operation: { operation: 'GetObject' },
  'endpoint method': { endpoint: 'GET /:bucket/:key' },
  'endpoint, any method': { endpoint: '/photos/*' },
  'endpoint path prefix': { endpoint: 'GET /photos/:key' },
  'endpoint path prefix, within a segment': { endpoint: '/pho*/2024/*' },
  'key glob without a literal prefix': { key: '*.jpg' },
};

/** Rules that must never be returned for GET: each fails the condition it is filed under. */
const DECOYS: Record<string, unknown>[] = [
  { bucket: 'videos' },
  { bucket: 'photos', key: '2023/*' },
  { bucket: 'photos', headers: { 'x-test-case': 'refund' } },
  { headers: { 'x-test-case': 'refund' } },
  { headers: { 'x-other': 'checkout' } },
  { key: '2025/*' },
  { bucket: 'vid*' },
  { operation: 'PutObject' },
  { endpoint: 'PUT /:bucket/:key' },
  { endpoint: 'GET /videos/:key' },
  { endpoint: '/photos/2023/*' },
  { point: 'node.read', node: 'node-7' },
  { point: 'node.read', node: 'node-1*' },
];

/** A fault allowed at the rule's point. */
function faultAt(match: Record<string, unknown>): Record<string, unknown> {
  return match.point === 'node.read' ? { type: 'io_latency', ms: 1 } : { type: 's3_error', code: 'SlowDown' };
}

function ruleSetOf(bodies: Record<string, unknown>[]): RuleSet {
  const options = parseOptions({ maxTtlMs: DAY_MS });
  const set = new RuleSet();
  for (const body of bodies) set.put(parseRule(body, options));
  return set;
}

/** The ids the index hands out for an event, in rank order. */
function collected(set: RuleSet, event: FaultEvent): string[] {
  const lists: RuleEntry[][] = [];
  set.candidatesFor(event.point, event.service).collect(event, lists);
  return lists
    .flat()
    .sort((a, b) => a.rank - b.rank)
    .map((entry) => entry.rule.id);
}

describe('rule index', () => {
  it.each(Object.entries(ONE_PER_PATH))('a rule reached through "%s" still fires', (name, match) => {
    // Prepare
    const engine = createFaultEngine({ clock: manualClock(), enabled: true, maxTtlMs: DAY_MS });
    for (const [n, decoy] of DECOYS.entries()) {
      engine.addRule({ id: `decoy-${n}`, match: decoy, fault: faultAt(decoy) });
    }
    engine.addRule({ id: 'target', match, fault: { type: 's3_error', code: 'InternalError' } });

    // Act
    const outcome = engine.evaluate(GET);

    // Assess
    expect({ name, fired: outcome.firings.map((firing) => firing.ruleId) }).toEqual({
      name,
      fired: ['target'],
    });
  });

  it.each([
    ['exact node', 'node-2'],
    ['node prefix', 'node-*'],
  ])('a rule reached through "%s" still fires at a node point', (_name, node) => {
    // Prepare
    const engine = createFaultEngine({ clock: manualClock(), enabled: true, maxTtlMs: DAY_MS });
    for (const [n, decoy] of DECOYS.entries())
      engine.addRule({ id: `decoy-${n}`, match: decoy, fault: faultAt(decoy) });
    engine.addRule({ id: 'target', match: { point: 'node.read', node }, fault: { type: 'node_down' } });

    // Act
    const outcome = engine.evaluate({
      service: 'storage-node',
      point: 'node.read',
      node: 'node-2',
      key: 'k',
    });

    // Assess
    expect(outcome.firings.map((firing) => firing.ruleId)).toEqual(['target']);
  });

  it('never hands out a rule whose indexed condition the event fails', () => {
    // Prepare
    const set = ruleSetOf(DECOYS.map((match, n) => ({ id: `decoy-${n}`, match, fault: faultAt(match) })));

    // Act
    const ids = [
      ...collected(set, GET),
      ...collected(set, { service: 'storage-node', point: 'node.read', node: 'node-2' }),
    ];

    // Assess
    expect(ids).toEqual([]);
  });

  it('fires rules filed in different lists in priority order, then id order', () => {
    // Prepare
    const engine = createFaultEngine({ clock: manualClock(), enabled: true, maxTtlMs: DAY_MS });
    const paths = Object.values(ONE_PER_PATH);
    for (const [n, match] of paths.entries()) {
      // Priorities interleave the index paths; two rules share each priority to exercise the id tie-break.
      engine.addRule({
        id: `r-${String(n).padStart(2, '0')}`,
        priority: n % 5,
        match,
        fault: { type: 'latency', ms: 1 },
      });
    }
    const expected = paths
      .map((_, n) => ({ id: `r-${String(n).padStart(2, '0')}`, priority: n % 5 }))
      .sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : 1))
      .map((rule) => rule.id);

    // Act
    const fired = engine.evaluate(GET).firings.map((firing) => firing.ruleId);

    // Assess
    expect(fired).toEqual(expected);
  });

  it('stops at the first terminal fault in evaluation order, wherever it is filed', () => {
    // Prepare
    const engine = createFaultEngine({ clock: manualClock(), enabled: true, maxTtlMs: DAY_MS });
    engine.addRule({
      id: 'late',
      priority: 1,
      match: { operation: 'GetObject' },
      fault: { type: 'latency', ms: 1 },
    });
    engine.addRule({ id: 'delay', priority: 9, match: { key: '2024/*' }, fault: { type: 'latency', ms: 5 } });
    engine.addRule({
      id: 'stop',
      priority: 5,
      match: { headers: { 'x-test-case': 'checkout' } },
      fault: { type: 's3_error', code: 'SlowDown' },
    });

    // Act
    const outcome = engine.evaluate(GET);

    // Assess
    expect(outcome.firings.map((firing) => firing.ruleId)).toEqual(['delay', 'stop']);
    expect(outcome.terminal?.rule.id).toBe('stop');
  });

  it('hands out a superset of the matching rules, in evaluation order, for random rules and events', () => {
    // Prepare: a small seeded generator, so a failure replays
    let state = 12345;
    const next = (n: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 8) % n;
    };
    const pick = <T>(items: readonly T[]) => items[next(items.length)]!;
    const buckets = ['photos', 'photo', 'videos', 'logs-1', 'logs-12'];
    const keys = ['2024/cat.jpg', '2024/dog.png', 'a', 'archive/0002/x.gz', ''];
    const bodies = Array.from({ length: 400 }, (_, n) => {
      const match: Record<string, unknown> = {};
      if (next(2) === 0) match.bucket = pick([...buckets, 'pho*', 'logs-*', '*s']);
      if (next(2) === 0) match.key = pick(['2024/*', '2024/cat.jpg', '*.gz', 'a*', 'archive/*/x.gz', '*']);
      if (next(3) === 0) match.headers = { [pick(['x-test-case', 'X-Tenant'])]: pick(['a', 'b']) };
      if (next(3) === 0) match.operation = pick(['GetObject', 'PutObject']);
      if (next(4) === 0)
        match.endpoint = pick(['GET /:bucket/:key', 'PUT /:bucket/:key', '* /photos/*', '/p*']);
      if (next(5) === 0) match.minSize = pick([0, 100, 5000]);
      return {
        id: `r-${n}`,
        priority: next(4),
        enabled: next(10) !== 0,
        match,
        fault: { type: 'latency', ms: 1 },
      };
    });
    const set = ruleSetOf(bodies);
    const ordered = set.all().sort(byEvaluationOrder);

    for (let round = 0; round < 300; round++) {
      const key = pick(keys);
      const event: FaultEvent = {
        service: 's3-api',
        point: 'http.server',
        method: pick(['GET', 'get', 'PUT']),
        path: pick([`/${pick(buckets)}/${key}`, '/photos', '/photos/?list-type=2', `/photos/${key}?x=1`]),
        ...(next(5) === 0 ? {} : { bucket: pick(buckets) }),
        ...(key === '' ? {} : { key }),
        ...(next(3) === 0 ? {} : { operation: pick(['GetObject', 'PutObject']) }),
        ...(next(2) === 0 ? {} : { headers: { [pick(['x-test-case', 'x-tenant'])]: pick(['a', 'b']) } }),
        ...(next(2) === 0 ? {} : { size: pick([10, 1000, 10_000]) }),
      };
      const upper = { ...event, method: event.method!.toUpperCase() };

      // Act
      const handedOut = collected(set, event);
      const matchingViaIndex = handedOut.filter((id) => set.get(id)!.matcher.mismatch(upper) === undefined);
      const matchingAll = ordered
        .filter((entry) => entry.rule.enabled && entry.matcher.mismatch(upper) === undefined)
        .map((entry) => entry.rule.id);

      // Assess
      expect({ round, ids: matchingViaIndex }).toEqual({ round, ids: matchingAll });
    }
  });

  it('files a header rule put as is (not parsed) under its lower-cased name, as the matcher reads it', () => {
    // Prepare
    const parsed = parseRule(
      { id: 'h', match: { headers: { 'x-test-case': 'checkout' } }, fault: { type: 'latency', ms: 1 } },
      parseOptions(),
    );
    const set = new RuleSet();
    set.put({ ...parsed, match: { ...parsed.match, headers: { 'X-Test-Case': 'checkout' } } });

    // Act
    const ids = collected(set, GET);

    // Assess
    expect(ids).toEqual(['h']);
  });

  it('rebuilds after a change: a rule put later is found, a deleted one is gone', () => {
    // Prepare
    const set = ruleSetOf([{ id: 'a', match: { key: '2024/*' }, fault: { type: 'latency', ms: 1 } }]);
    expect(collected(set, GET)).toEqual(['a']);

    // Act
    set.put(
      parseRule(
        { id: 'b', priority: 3, match: { bucket: 'photos' }, fault: { type: 'latency', ms: 1 } },
        parseOptions(),
      ),
    );
    const afterPut = collected(set, GET);
    set.delete('a');
    const afterDelete = collected(set, GET);

    // Assess
    expect(afterPut).toEqual(['b', 'a']);
    expect(afterDelete).toEqual(['b']);
  });
});
