import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../../../shared/config/env.js';
import type { FaultEngine } from '../../../../shared/faults/engine.js';
import { INJECTION_POINTS } from '../../../../shared/faults/rule.js';
import { createProcessFaultEngine } from '../../../../shared/injection/create-fault-engine.js';
import { silentLogger } from '../../../../shared/telemetry/logger.js';
import { createMetrics, type Metrics } from '../../../../shared/telemetry/metrics.js';
import { samples, sampleValue } from '../../../support/registry-samples.js';
import { manualClock, s3Event } from '../faults/fault-fixtures.js';

/** A process's fault engine as the runtime builds it, on, with its metrics. */
function processEngine() {
  const clock = manualClock();
  const metrics: Metrics = createMetrics();
  const engine = createProcessFaultEngine(
    loadConfig({ FAULTS_ENABLED: 'true' }),
    clock,
    silentLogger,
    metrics,
  );
  return { engine, clock, registry: metrics.registry };
}

const slowDown = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  match: { point: 'http.server' },
  fault: { type: 's3_error', code: 'SlowDown' },
  ...extra,
});

function fireRequests(engine: FaultEngine, count: number): void {
  for (let i = 0; i < count; i++) engine.evaluate(s3Event('GET', `/photos/k${i}`, { requestId: `req-${i}` }));
}

describe('fault_rule_hits_total', () => {
  it('counts the firings of each rule under its id, scenario, point and type', async () => {
    // Prepare
    const { engine, registry } = processEngine();
    engine.addRule(slowDown('slow-gets', { scenario: 'drill-a' }));

    // Act
    fireRequests(engine, 3);

    // Assess
    expect(await samples(registry, 'fault_rule_hits_total')).toEqual([
      {
        labels: { rule_id: 'slow-gets', scenario: 'drill-a', point: 'http.server', type: 's3_error' },
        value: 3,
      },
    ]);
  });

  it.each([
    ['deleted', (engine: FaultEngine) => engine.removeRule('slow-gets')],
    ['cleared by the kill switch', (engine: FaultEngine) => engine.disableAll()],
    ['replaced by a sync without it', (engine: FaultEngine) => engine.replaceAll([])],
    ['removed with its scenario', (engine: FaultEngine) => engine.removeScenario('drill-a')],
  ])('drops the series of a rule %s', async (_how, remove) => {
    // Prepare
    const { engine, registry } = processEngine();
    engine.addRule(slowDown('slow-gets', { scenario: 'drill-a' }));
    engine.addRule(slowDown('other', { match: { point: 'http.server', operation: 'PutObject' } }));
    fireRequests(engine, 2);
    engine.evaluate(s3Event('PUT', '/photos/k', { operation: 'PutObject' }));
    expect(await sampleValue(registry, 'fault_rule_hits_total', { rule_id: 'slow-gets' })).toBe(2);

    // Act
    remove(engine);

    // Assess
    const left = await samples(registry, 'fault_rule_hits_total');
    expect(left.map((sample) => sample.labels.rule_id)).not.toContain('slow-gets');
  });

  it('drops every label set a rule counted under when a PATCH changed its fault', async () => {
    // Prepare
    const { engine, registry } = processEngine();
    engine.addRule(slowDown('patched'));
    fireRequests(engine, 1);
    engine.updateRule('patched', { fault: { type: 'latency', ms: 1 } });
    fireRequests(engine, 1);
    const types = (await samples(registry, 'fault_rule_hits_total')).map((sample) => sample.labels.type);

    // Act
    engine.removeRule('patched');

    // Assess
    expect(types.sort()).toEqual(['latency', 's3_error']);
    expect(await samples(registry, 'fault_rule_hits_total')).toEqual([]);
  });

  it('drops the series of a rule that expired, with no change event', async () => {
    // Prepare
    const { engine, clock, registry } = processEngine();
    engine.addRule(slowDown('short', { ttl: '1m' }));
    fireRequests(engine, 1);
    expect(await sampleValue(registry, 'fault_rule_hits_total', { rule_id: 'short' })).toBe(1);

    // Act
    clock.advance(61_000);

    // Assess
    expect(await samples(registry, 'fault_rule_hits_total')).toEqual([]);
  });

  it('keeps the series of a spent rule while it exists, so its last hits are scraped', async () => {
    // Prepare
    const { engine, registry } = processEngine();
    engine.addRule(slowDown('twice', { times: 2 }));

    // Act
    fireRequests(engine, 5);

    // Assess
    expect(await sampleValue(registry, 'fault_rule_hits_total', { rule_id: 'twice' })).toBe(2);
  });

  it('keeps x-mock-fault header firings under the header id', async () => {
    // Prepare
    const { engine, registry } = processEngine();

    // Act
    engine.evaluateWithHeader(s3Event('GET', '/photos/k'), 's3_error;code=SlowDown');

    // Assess
    expect(await sampleValue(registry, 'fault_rule_hits_total', { rule_id: 'x-mock-fault' })).toBe(1);
  });
});

describe('fault coverage', () => {
  it('marks each point that fired and reports fired points over all points', async () => {
    // Prepare
    const { engine, registry } = processEngine();
    engine.addRule(slowDown('slow-gets'));
    engine.addRule({ id: 'lost', match: { point: 'queue.publish' }, fault: { type: 'drop' } });
    const before = await sampleValue(registry, 'fault_coverage_ratio');

    // Act
    fireRequests(engine, 2);
    engine.evaluate({ service: 'async', point: 'queue.publish', operation: 'upload_completed' });

    // Assess
    expect(before).toBe(0);
    expect(await sampleValue(registry, 'fault_coverage_ratio')).toBeCloseTo(2 / INJECTION_POINTS.length);
    const covered = await samples(registry, 'fault_point_covered');
    expect(covered).toHaveLength(INJECTION_POINTS.length);
    expect(covered.filter((sample) => sample.value === 1).map((sample) => sample.labels.point)).toEqual([
      'http.server',
      'queue.publish',
    ]);
  });
});
