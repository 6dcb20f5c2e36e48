import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../../../shared/config/env.js';

describe('ADMIN_ALLOWED_HOSTS', () => {
  it('is empty by default', () => {
    expect(loadConfig({}).adminAllowedHosts).toEqual([]);
  });

  it('lists names and addresses, lower-case, IPv6 without brackets', () => {
    // Act
    const config = loadConfig({ ADMIN_ALLOWED_HOSTS: 'Drills.LAN, 10.0.0.5,[fd00::1]' });

    // Assess
    expect(config.adminAllowedHosts).toEqual(['drills.lan', '10.0.0.5', 'fd00::1']);
  });

  it.each(['drills.lan:9000', 'ab:9000', 'http://drills.lan', 'a b'])(
    'refuses %s, naming the variable',
    (value) => {
      expect(() => loadConfig({ ADMIN_ALLOWED_HOSTS: value })).toThrow(ConfigError);
      expect(() => loadConfig({ ADMIN_ALLOWED_HOSTS: value })).toThrow(/ADMIN_ALLOWED_HOSTS/);
    },
  );
});
