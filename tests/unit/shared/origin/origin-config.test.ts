import { describe, expect, it } from '@jest/globals';
import { ORIGIN_DEFAULTS, originView, parseOriginConfig } from '../../../../shared/origin/origin-config.js';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG' };

describe('parseOriginConfig', () => {
  it('fills every default but the endpoint', () => {
    // Act
    const parsed = parseOriginConfig('photos', { endpoint: 'http://127.0.0.1:4568/' });

    // Assess
    expect(parsed).toEqual({
      ok: true,
      config: {
        bucket: 'photos',
        endpoint: 'http://127.0.0.1:4568',
        remoteBucket: 'photos',
        ...ORIGIN_DEFAULTS,
        breaker: { failures: 5, openMs: 10_000 },
        source: 'stored',
      },
    });
  });

  it('takes every field of the issue body', () => {
    // Act
    const parsed = parseOriginConfig('photos', {
      endpoint: 'https://s3.example.com',
      bucket: 'remote-name',
      kind: 'http',
      region: 'eu-west-1',
      forcePathStyle: false,
      credentials: CREDENTIALS,
      writeBack: false,
      negativeTtl: '500ms',
      rps: 0,
      timeoutMs: 250,
      breaker: { failures: 2, openMs: 300 },
    });

    // Assess
    expect(parsed.ok && parsed.config).toMatchObject({
      remoteBucket: 'remote-name',
      kind: 'http',
      region: 'eu-west-1',
      forcePathStyle: false,
      credentials: CREDENTIALS,
      writeBack: false,
      negativeTtlMs: 500,
      rps: 0,
      timeoutMs: 250,
      breaker: { failures: 2, openMs: 300 },
    });
  });

  it.each([
    [{}, 'endpoint'],
    [{ endpoint: 'ftp://host' }, 'endpoint'],
    [{ endpoint: 'http://user:pw@host' }, 'endpoint'],
    [{ endpoint: 'http://host', kind: 'ftp' }, 'kind'],
    [{ endpoint: 'http://host', rps: -1 }, 'rps'],
    [{ endpoint: 'http://host', timeoutMs: 0 }, 'timeoutMs'],
    [{ endpoint: 'http://host', negativeTtl: 'soon' }, 'negativeTtl'],
    [{ endpoint: 'http://host', breaker: { failures: 0 } }, 'breaker.failures'],
    [{ endpoint: 'http://host', breaker: { retries: 1 } }, 'breaker.retries'],
    [{ endpoint: 'http://host', credentials: { accessKeyId: 'a' } }, 'credentials.secretAccessKey'],
    [{ endpoint: 'http://host', writeBack: 'yes' }, 'writeBack'],
    [{ endpoint: 'http://host', colour: 'red' }, 'colour'],
    [[], 'body'],
  ])('refuses %j, naming the field %s', (body, field) => {
    // Act
    const parsed = parseOriginConfig('photos', body);

    // Assess
    expect(parsed).toMatchObject({ ok: false, field });
  });
});

describe('originView', () => {
  it('never shows the credentials unless asked for the stored form, which parses back to the same config', () => {
    // Prepare
    const parsed = parseOriginConfig('photos', {
      endpoint: 'http://host',
      credentials: CREDENTIALS,
      negativeTtl: '2m',
    });
    if (!parsed.ok) throw new Error(parsed.error);

    // Act
    const shown = originView(parsed.config, { withCredentials: false });
    const stored = originView(parsed.config, { withCredentials: true });

    // Assess
    expect(JSON.stringify(shown)).not.toContain(CREDENTIALS.accessKeyId);
    expect(JSON.stringify(shown)).not.toContain(CREDENTIALS.secretAccessKey);
    expect(shown).toMatchObject({ credentialsSet: true, negativeTtl: '2m' });
    expect(parseOriginConfig('photos', stored)).toEqual({ ok: true, config: parsed.config });
  });
});
