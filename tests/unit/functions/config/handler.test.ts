import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHandler } from '../../../../functions/config/handler.js';
import { bodyBytes } from '../../../../layers/binary-body.js';
import type { LambdaHandler } from '../../../../layers/compose-handler.js';
import { apiEvent, createUnitRuntime, type UnitRuntime, unitContext } from '../../../support/unit-runtime.js';

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected field by field
  body: any;
}

describe('config API', () => {
  let unit: UnitRuntime;
  let handler: LambdaHandler;

  async function call(method: string, path: string, body?: unknown): Promise<Answer> {
    const result = await handler(
      apiEvent({
        method,
        path: `/api/v1/config${path}`,
        ...(body === undefined
          ? {}
          : {
              body: typeof body === 'string' ? body : JSON.stringify(body),
              headers: { 'content-type': 'application/json' },
            }),
      }),
      unitContext('configApi'),
    );
    const text = bodyBytes(result).toString('utf8');
    return { status: result.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) };
  }

  beforeAll(async () => {
    unit = await createUnitRuntime();
    handler = createHandler(unit.runtime);
  });

  afterAll(async () => {
    await unit.runtime.close();
  });

  beforeEach(async () => {
    for (const key of Object.keys(await unit.runtime.dynamicConfig!.source.all())) {
      await unit.runtime.dynamicConfig!.source.delete(key);
    }
  });

  it('turns the fault engine on with faults.enabled before answering', async () => {
    // Prepare
    const before = unit.runtime.faults.status();

    // Act
    const answer = await call('PUT', '/faults.enabled', { value: true });

    // Assess
    expect(before).toMatchObject({ enabled: false, reason: 'env' });
    expect(answer).toEqual({
      status: 200,
      body: { key: 'faults.enabled', value: true, source: 'stored', default: false },
    });
    expect(unit.runtime.faults.status()).toMatchObject({ enabled: true, reason: 'config', config: true });
  });

  it('hands the switch back to the environment when the key is deleted', async () => {
    // Prepare
    await call('PUT', '/faults.enabled', { value: 'on' });

    // Act
    const answer = await call('DELETE', '/faults.enabled');

    // Assess
    expect(answer.body).toEqual({ key: 'faults.enabled', value: false, source: 'default', default: false });
    expect(unit.runtime.faults.status()).toMatchObject({ enabled: false, reason: 'env' });
    expect(unit.runtime.faults.status().config).toBeUndefined();
  });

  it('refuses an invalid value with a 400 naming the key, and neither stores nor applies it', async () => {
    // Act
    const answer = await call('PUT', '/storage.replicas', { value: 99 });
    const after = await call('GET', '/storage.replicas');

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'ValidationError', field: 'storage.replicas' });
    expect(answer.body.error.message).toContain('storage.replicas');
    expect(after.body).toMatchObject({ value: unit.runtime.config.storage.replicas, source: 'default' });
    expect(await unit.runtime.dynamicConfig!.source.get('storage.replicas')).toBeUndefined();
  });

  it('refuses a body without a value and a body with unknown fields', async () => {
    // Act
    const missing = await call('PUT', '/http.retries', {});
    const unknown = await call('PUT', '/http.retries', { value: 3, ttl: '5m' });
    const notJson = await call('PUT', '/http.retries', '{value');

    // Assess
    expect([missing.status, unknown.status, notJson.status]).toEqual([400, 400, 400]);
    expect(unknown.body.error.field).toBe('ttl');
    expect(notJson.body.error.code).toBe('MalformedJSON');
  });

  it('stores a valid value and shows it in the listing and the live config', async () => {
    // Act
    const put = await call('PUT', '/http.timeoutMs', { value: 2500 });
    const list = await call('GET', '');

    // Assess
    expect(put.body).toMatchObject({ key: 'http.timeoutMs', value: 2500, source: 'stored' });
    expect(unit.runtime.dynamicConfig!.live.get('http.timeoutMs')).toBe(2500);
    expect(list.status).toBe(200);
    expect(list.body.settings).toContainEqual({
      key: 'http.timeoutMs',
      value: 2500,
      source: 'stored',
      default: 10_000,
    });
    expect(list.body.settings.map((setting: { key: string }) => setting.key)).toContain('faults.enabled');
  });

  it('answers 404 for unknown keys and paths, 400 for writing one, 405 for other methods', async () => {
    // Act
    const get = await call('GET', '/no.such.key');
    const put = await call('PUT', '/no.such.key', { value: 1 });
    const nested = await call('GET', '/http.retries/extra');
    const post = await call('POST', '/http.retries', { value: 1 });
    const postList = await call('POST', '');

    // Assess
    expect(get.status).toBe(404);
    expect(put.status).toBe(400);
    expect(put.body.error.message).toContain('known keys');
    expect(nested.status).toBe(404);
    expect([post.status, postList.status]).toEqual([405, 405]);
  });
});
