import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../../../shared/config/env.js';

describe('TRACE_LINK_TEMPLATE', () => {
  it('is absent by default: the dashboard links no trace', () => {
    expect(loadConfig({}).traceLinkTemplate).toBeUndefined();
  });

  it("keeps an http(s) URL with {trace_id} as written (Jaeger's API)", () => {
    const template = 'http://127.0.0.1:16686/api/traces/{trace_id}';
    expect(loadConfig({ TRACE_LINK_TEMPLATE: template }).traceLinkTemplate).toBe(template);
  });

  it.each(['http://127.0.0.1:16686/api/traces/', 'javascript:alert(1)//{trace_id}', 'jaeger/{trace_id}'])(
    'refuses %s, naming the variable',
    (value) => {
      expect(() => loadConfig({ TRACE_LINK_TEMPLATE: value })).toThrow(ConfigError);
      expect(() => loadConfig({ TRACE_LINK_TEMPLATE: value })).toThrow(/TRACE_LINK_TEMPLATE/);
    },
  );
});
