/**
 * `npx tsx bench/faults/engine-cost.ts [rules]`: the in-process cost of one `evaluate` call for the
 * events a GET of 1 KiB raises, with the non-matching rule set of the faults suite loaded. No HTTP
 * and no second process, so it tells the engine's share of the overhead apart from machine noise.
 */
import { performance } from 'node:perf_hooks';
import { createFaultEngine } from '../../shared/faults/engine.js';
import type { FaultEvent } from '../../shared/faults/match.js';
import { systemClock } from '../../shared/runtime/clock.js';
import { BUCKET } from '../workload.js';
import { nonMatchingRules } from './non-matching-rules.js';

const ITERATIONS = 200_000;

const key = 'get-1024/key-7';
const headers = {
  host: '127.0.0.1',
  'x-amz-date': '20240101T000000Z',
  'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
};
/** The points one GET passes in embedded mode (http.server, cache, db, storage). */
const EVENTS: FaultEvent[] = [
  {
    service: 's3-api',
    point: 'http.server',
    operation: 'GetObject',
    method: 'GET',
    path: `/${BUCKET}/${key}`,
    headers,
    bucket: BUCKET,
    key,
  },
  {
    service: 'metadata',
    point: 'cache.get',
    operation: 'GetObject',
    bucket: BUCKET,
    key: `obj:${BUCKET}/${key}`,
  },
  { service: 'metadata', point: 'db.query', operation: 'GetObject', bucket: BUCKET, key },
  { service: 'storage', point: 'storage.get', operation: 'GetObject', bucket: BUCKET, key },
  {
    service: 'storage-node',
    point: 'node.read',
    operation: 'GetObject',
    bucket: BUCKET,
    key,
    node: 'node-1',
  },
];

function nsPerGet(ruleCount: number, enabled: boolean, events: readonly FaultEvent[]): number {
  const engine = createFaultEngine({ clock: systemClock, enabled, maxTtlMs: 86_400_000 });
  for (const rule of nonMatchingRules(ruleCount, { bucket: BUCKET, keyPrefix: 'get-1024' }))
    engine.addRule(rule);
  for (let i = 0; i < 20_000; i++) for (const event of events) engine.evaluate(event);
  const start = performance.now();
  for (let i = 0; i < ITERATIONS; i++) {
    for (const event of events) {
      if (engine.evaluate(event).terminal !== undefined) throw new Error(`a rule fired on ${event.point}`);
    }
  }
  return ((performance.now() - start) * 1e6) / ITERATIONS;
}

const rules = Number(process.argv[2] ?? 1000);
for (const [label, count, enabled] of [
  ['off', rules, false],
  ['on, 0 rules', 0, true],
  [`on, ${rules} rules`, rules, true],
] as const) {
  process.stdout.write(
    `${label}: ${(nsPerGet(count, enabled, EVENTS) / 1000).toFixed(2)} µs per GET (${EVENTS.length} evaluate calls)\n`,
  );
}
for (const event of EVENTS) {
  process.stdout.write(
    `  on, ${rules} rules, ${event.point} alone: ${(nsPerGet(rules, true, [event]) / 1000).toFixed(2)} µs\n`,
  );
}
