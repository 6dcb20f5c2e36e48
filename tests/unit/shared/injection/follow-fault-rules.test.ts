import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../../../shared/config/env.js';
import { followFaultRules } from '../../../../shared/injection/follow-fault-rules.js';
import { silentLogger } from '../../../../shared/telemetry/logger.js';
import { createMetrics } from '../../../../shared/telemetry/metrics.js';
import { sampleValue } from '../../../support/registry-samples.js';

describe('followFaultRules', () => {
  it("counts the engine's firings in the registry the process serves", async () => {
    // Prepare: no database, so the engine has only its own rules.
    const served = createMetrics();
    const followed = await followFaultRules(
      loadConfig({ FAULTS_ENABLED: 'true' }),
      silentLogger,
      'node-1',
      served,
    );
    followed.engine.addRule({
      id: 'disk-errors',
      match: { service: 'storage-node', point: 'node.write' },
      fault: { type: 'io_error', errno: 'EIO' },
    });

    // Act
    followed.engine.evaluate({ service: 'storage-node', point: 'node.write', node: 'node-1' });

    // Assess
    try {
      expect(await sampleValue(served.registry, 'fault_rule_hits_total', { rule_id: 'disk-errors' })).toBe(1);
      expect(await sampleValue(served.registry, 'fault_injections_total', { point: 'node.write' })).toBe(1);
    } finally {
      await followed.close();
    }
  });
});
