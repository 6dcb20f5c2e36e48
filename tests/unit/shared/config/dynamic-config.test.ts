import { describe, expect, it } from '@jest/globals';
import {
  DYNAMIC_KEYS,
  defaultDynamicSettings,
  validateConfigValue,
} from '../../../../shared/config/dynamic-config.js';

describe('validateConfigValue', () => {
  it.each([
    ['storage.replicas', 2, 2],
    ['storage.replicas', '3', 3],
    ['http.retries', 0, 0],
    ['http.retries', 10, 10],
    ['http.timeoutMs', 50, 50],
    ['http.timeoutMs', 60000, 60000],
    ['gateway.rateLimit', 0, 0],
    ['gateway.rateLimit', 250, 250],
    ['faults.enabled', true, true],
    ['faults.enabled', 'off', false],
  ])('accepts %s = %j as %j', (key, value, expected) => {
    // Act
    const result = validateConfigValue(key, value, { maxReplicas: 3 });

    // Assess
    expect(result).toEqual({ ok: true, key, value: expected });
  });

  it.each([
    ['storage.replicas', 0],
    ['storage.replicas', 4],
    ['storage.replicas', 1.5],
    ['http.retries', -1],
    ['http.retries', 11],
    ['http.timeoutMs', 49],
    ['http.timeoutMs', 60001],
    ['http.timeoutMs', '100ms'],
    ['gateway.rateLimit', -5],
    ['faults.enabled', 'maybe'],
    ['faults.enabled', 1],
    ['http.retries', null],
    ['http.retries', { value: 2 }],
    ['http.retries', undefined],
  ])('refuses %s = %j with a message naming the key', (key, value) => {
    // Act
    const result = validateConfigValue(key, value as never, { maxReplicas: 3 });

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain(key);
  });

  it('refuses an unknown key and lists the known ones', () => {
    // Act
    const result = validateConfigValue('storage.replicaz', 2);

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/unknown config key "storage.replicaz".*storage\.replicas/);
  });

  it('does not take keys from the object prototype for settings', () => {
    // Act
    const result = validateConfigValue('constructor', 1);

    // Assess
    expect(result.ok).toBe(false);
  });

  it('says how many replicas are allowed when R exceeds the node count', () => {
    // Act
    const result = validateConfigValue('storage.replicas', 5, { maxReplicas: 3 });

    // Assess
    expect(!result.ok && result.error).toContain('at most 3');
  });
});

describe('defaultDynamicSettings', () => {
  it('takes replicas and the fault switch from the environment config and covers every key', () => {
    // Act
    const defaults = defaultDynamicSettings({
      storage: { nodes: 3, replicas: 3, fsync: true },
      faultsEnabled: true,
    });

    // Assess
    expect(defaults['storage.replicas']).toBe(3);
    expect(defaults['faults.enabled']).toBe(true);
    expect(Object.keys(defaults).sort()).toEqual([...DYNAMIC_KEYS].sort());
    for (const key of DYNAMIC_KEYS)
      expect(validateConfigValue(key, defaults[key], { maxReplicas: 3 }).ok).toBe(true);
  });
});
