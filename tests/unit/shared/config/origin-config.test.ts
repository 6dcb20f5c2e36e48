import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../../../shared/config/env.js';

describe('ORIGIN_ENDPOINT and ORIGIN_BUCKETS', () => {
  it('are off by default', () => {
    // Act
    const config = loadConfig({});

    // Assess
    expect(config.origin).toEqual({ endpoint: undefined, buckets: [], kind: 's3', credentials: undefined });
  });

  it('name the origin, its buckets, its kind and its credentials', () => {
    // Act
    const config = loadConfig({
      ORIGIN_ENDPOINT: 'http://127.0.0.1:4568/',
      ORIGIN_BUCKETS: 'photos, logs',
      ORIGIN_KIND: 'http',
      ORIGIN_ACCESS_KEY_ID: 'AK',
      ORIGIN_SECRET_ACCESS_KEY: 'SK',
    });

    // Assess
    expect(config.origin).toEqual({
      endpoint: 'http://127.0.0.1:4568',
      buckets: ['photos', 'logs'],
      kind: 'http',
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
    });
  });

  it('takes * alone for every bucket', () => {
    // Act
    const config = loadConfig({ ORIGIN_ENDPOINT: 'http://127.0.0.1:4568', ORIGIN_BUCKETS: '*' });

    // Assess
    expect(config.origin.buckets).toEqual(['*']);
  });

  it.each([
    [{ ORIGIN_ENDPOINT: 'http://127.0.0.1:4568' }, /ORIGIN_ENDPOINT and ORIGIN_BUCKETS/],
    [{ ORIGIN_BUCKETS: 'photos' }, /ORIGIN_ENDPOINT and ORIGIN_BUCKETS/],
    [{ ORIGIN_ENDPOINT: 'ftp://host', ORIGIN_BUCKETS: 'photos' }, /ORIGIN_ENDPOINT/],
    [{ ORIGIN_ENDPOINT: 'http://host', ORIGIN_BUCKETS: 'photos,*' }, /ORIGIN_BUCKETS/],
    [{ ORIGIN_ENDPOINT: 'http://host', ORIGIN_BUCKETS: 'Bad_Name' }, /ORIGIN_BUCKETS/],
    [{ ORIGIN_ENDPOINT: 'http://host', ORIGIN_BUCKETS: 'photos', ORIGIN_KIND: 'ftp' }, /ORIGIN_KIND/],
  ])('refuses %j, naming the variable', (env, message) => {
    // Act
    const load = () => loadConfig(env);

    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });
});
