import { describe, expect, it } from '@jest/globals';
import { parseRule } from '../../../../shared/faults/parse-rule.js';
import { PRESET_NAMES, PRESETS } from '../../../../shared/faults/presets.js';
import { parseOptions } from './fault-fixtures.js';

describe('presets', () => {
  it.each(PRESET_NAMES)('%s materialises valid rules tagged with its name', (name) => {
    // Act
    const rules = PRESETS[name]
      .rules({ ttl: '5m', node: 'node-2', seed: 9, bucket: 'archive' })
      .map((body) => parseRule(body, parseOptions()));

    // Assess
    expect(rules.length).toBeGreaterThan(0);
    expect(PRESETS[name].description.length).toBeGreaterThan(10);
    for (const rule of rules) {
      expect(rule.scenario).toBe(name);
      expect(rule.id.startsWith(`${name}.`)).toBe(true);
      expect(rule).toMatchObject({ ttl: '5m', seed: 9 });
      if (rule.match.node !== undefined) expect(rule.match.node).toBe('node-2');
      if (rule.match.bucket !== undefined) expect(rule.match.bucket).toBe('archive');
    }
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
  });

  it('covers the fault kinds FAULTS.md names for each preset', () => {
    // Act
    const types = (name: (typeof PRESET_NAMES)[number]) =>
      PRESETS[name].rules({}).map((body) => (body.fault as { type: string }).type);

    // Assess
    expect(types('flaky-network')).toEqual(['reset', 'truncate', 'latency']);
    expect(types('slow-disk')).toEqual(['io_latency', 'io_latency']);
    expect(types('node-loss')).toEqual(['node_down', 'node_down', 'node_down']);
    expect(types('throttling')).toEqual(['throttle']);
    expect(types('disk-full')).toEqual(['capacity']);
    expect(types('corruption')).toEqual(['corrupt']);
    expect(types('queue-chaos')).toEqual(['drop', 'duplicate', 'delay']);
    expect(types('origin-outage')).toEqual(['origin_unavailable']);
    expect(types('origin-slow')).toEqual(['latency', 'slow_body']);
    expect(types('origin-dirty')).toEqual(['dirty']);
  });

  it.each(['origin-outage', 'origin-slow', 'origin-dirty'] as const)(
    '%s aims at the origin points, of every bucket or of the one named',
    (name) => {
      // Act
      const everywhere = PRESETS[name].rules({}).map((body) => parseRule(body, parseOptions()));
      const scoped = PRESETS[name]
        .rules({ bucket: 'archive' })
        .map((body) => parseRule(body, parseOptions()));

      // Assess
      for (const rule of everywhere) {
        expect(rule.match.service).toBe('origin');
        expect(rule.match.point.startsWith('origin.fetch.')).toBe(true);
        expect(rule.match.bucket).toBeUndefined();
      }
      for (const rule of scoped) expect(rule.match.bucket).toBe('archive');
      expect(PRESETS[name].options).toContain('bucket');
    },
  );
});
