import { describe, expect, it } from '@jest/globals';
import { COMMANDS, defaultEndpoint, parseCommand, UsageError } from '../../../../tools/cli/commands.js';

const build = async (...argv: string[]) => {
  const command = parseCommand(argv, {});
  return command.spec.build(command.values, command.positionals);
};

describe('mock-s3 command parsing', () => {
  it('turns rules add flags into the shorthand body, numbers as numbers', async () => {
    // Act
    const request = await build(
      'rules',
      'add',
      '--service',
      's3-api',
      '--endpoint',
      'PUT /:bucket/:key',
      '--type',
      'latency',
      '--ms',
      '500',
      '--rate',
      '0.5',
      '--ttl',
      '5m',
      '--scenario',
      'half_slow_write',
    );
    // Assess
    expect(request).toEqual({
      method: 'POST',
      path: '/rules',
      body: {
        service: 's3-api',
        endpoint: 'PUT /:bucket/:key',
        type: 'latency',
        value_ms: 500,
        rate: 0.5,
        ttl: '5m',
        scenario: 'half_slow_write',
      },
    });
  });

  it('turns rules add flags with a point or fault parameters into the canonical body (origin faults)', async () => {
    // Act
    const dirty = await build(
      'rules',
      'add',
      '--point',
      'origin.fetch.after',
      '--bucket',
      'archive',
      '--type',
      'dirty',
      '--mode',
      'other_object',
      '--etag',
      'match',
      '--rate',
      '0.1',
      '--ttl',
      '5m',
    );
    const slow = await build(
      'rules',
      'add',
      '--point',
      'origin.fetch.after',
      '--type',
      'slow_body',
      '--chunk-bytes',
      '65536',
      '--delay-ms',
      '100',
    );
    const throttle = await build(
      'rules',
      'add',
      '--service',
      'origin',
      '--point',
      'origin.fetch.before',
      '--type',
      'throttle',
      '--rps',
      '2.5',
      '--per',
      'key',
    );
    // Assess
    expect(dirty.body).toEqual({
      match: { point: 'origin.fetch.after', bucket: 'archive' },
      fault: { type: 'dirty', mode: 'other_object', etag: 'match' },
      rate: 0.1,
      ttl: '5m',
    });
    expect(slow.body).toEqual({
      match: { point: 'origin.fetch.after' },
      fault: { type: 'slow_body', chunkBytes: 65536, delayMs: 100 },
    });
    expect(throttle.body).toEqual({
      match: { service: 'origin', point: 'origin.fetch.before' },
      fault: { type: 'throttle', rps: 2.5, per: 'key' },
    });
  });

  it('sends --json as the body', async () => {
    // Act
    const request = await build('rules', 'add', '--json', '{"fault": {"type": "drop"}}');
    // Assess
    expect(request.body).toEqual({ fault: { type: 'drop' } });
  });

  it.each([
    [['rules', 'add', '--json', '{}', '--type', 'latency'], 'not both'],
    [['rules', 'add', '--ms', '5'], '--type'],
    [['rules', 'add', '--type', 'latency', '--ms', 'fast'], '--ms must be a number'],
    [['rules', 'add', '--type', 'slow_body', '--delay-ms', 'slow'], '--delay-ms must be a number'],
    [['rules', 'add', '--json', '{'], 'not valid JSON'],
    [['rules', 'add', '--colour', 'red'], "Unknown option '--colour'"],
    [['rules', 'rm'], '<id>'],
    [['rules', 'frobnicate'], 'unknown command'],
    [['explain'], '--json'],
  ])('refuses %j (%s)', async (argv, message) => {
    // Act
    const attempt = build(...argv);
    // Assess
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('maps the remaining commands to their control requests', async () => {
    // Act
    const requests = await Promise.all([
      build('rules', 'rm', 'slow writes/1'),
      build('rules', 'clear'),
      build('rules', 'list', '--scenario', 'a'),
      build('scenario', 'activate', 'a', '--ttl', '1m'),
      build('scenario', 'deactivate', 'a'),
      build('scenario', 'remove', 'a'),
      build('preset', 'activate', 'node-loss', '--node', 'node-2', '--seed', '42'),
      build('preset', 'activate', 'origin-outage', '--bucket', 'archive'),
      build('kill'),
      build('enable'),
      build('status'),
      build('events', '--rule', 'r1', '--request-id', 'REQ', '--limit', '5'),
      build('explain', '--json', '{"service":"s3-api"}'),
    ]);
    // Assess
    expect(requests).toEqual([
      { method: 'DELETE', path: '/rules/slow%20writes%2F1' },
      { method: 'DELETE', path: '/rules' },
      { method: 'GET', path: '/rules', query: { scenario: 'a', point: undefined, enabled: undefined } },
      { method: 'POST', path: '/scenarios/a/activate', body: { ttl: '1m' } },
      { method: 'POST', path: '/scenarios/a/deactivate' },
      { method: 'DELETE', path: '/scenarios/a' },
      { method: 'POST', path: '/presets/node-loss/activate', body: { node: 'node-2', seed: 42 } },
      { method: 'POST', path: '/presets/origin-outage/activate', body: { bucket: 'archive' } },
      { method: 'POST', path: '/disable-all' },
      { method: 'POST', path: '/enable' },
      { method: 'GET', path: '/status' },
      {
        method: 'GET',
        path: '/events',
        query: { rule: 'r1', scenario: undefined, request_id: 'REQ', point: undefined, limit: '5' },
      },
      { method: 'POST', path: '/explain', body: { service: 's3-api' } },
    ]);
  });

  it('takes the control plane from --admin, else MOCK_S3_ADMIN, else the loopback admin port', () => {
    // Act
    const flag = parseCommand(['status', '--admin', 'http://h:1'], { MOCK_S3_ADMIN: 'http://env:2' });
    const ruleRoute = parseCommand(
      ['rules', 'add', '--endpoint', 'PUT /:bucket/:key', '--type', 'latency'],
      {},
    );
    // Assess
    expect(flag.endpoint).toBe('http://h:1');
    // A rule's --endpoint is its route, never the control plane's address.
    expect(ruleRoute.endpoint).toBe('http://127.0.0.1:9000');
    expect(defaultEndpoint({ MOCK_S3_ADMIN: 'http://env:2' })).toBe('http://env:2');
    expect(defaultEndpoint({})).toBe('http://127.0.0.1:9000');
  });

  it('turns origin set flags into the origins API body, numbers as numbers and nested fields nested', async () => {
    // Act
    const request = await build(
      'origin',
      'set',
      'archive',
      '--endpoint',
      'http://127.0.0.1:4568',
      '--remote-bucket',
      'old-store',
      '--kind',
      's3',
      '--region',
      'eu-west-1',
      '--access-key-id',
      'AKIA',
      '--secret-access-key',
      'secret',
      '--no-write-back',
      '--negative-ttl',
      '10s',
      '--rps',
      '20',
      '--timeout-ms',
      '2000',
      '--breaker-failures',
      '3',
      '--breaker-open-ms',
      '5000',
    );
    // Assess
    expect(request).toEqual({
      method: 'PUT',
      path: '/api/v1/origins/archive',
      body: {
        endpoint: 'http://127.0.0.1:4568',
        bucket: 'old-store',
        kind: 's3',
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKIA', secretAccessKey: 'secret' },
        writeBack: false,
        negativeTtl: '10s',
        rps: 20,
        timeoutMs: 2000,
        breaker: { failures: 3, openMs: 5000 },
      },
    });
  });

  it('sends only the endpoint when origin set is given nothing else (the server fills the defaults)', async () => {
    // Act
    const request = await build('origin', 'set', 'archive', '--endpoint', 'http://127.0.0.1:4568');
    // Assess
    expect(request.body).toEqual({ endpoint: 'http://127.0.0.1:4568' });
  });

  it('maps origin get, list and delete to the origins API', async () => {
    // Act
    const requests = await Promise.all([
      build('origin', 'get', 'archive'),
      build('origin', 'list'),
      build('origin', 'delete', 'archive'),
    ]);
    // Assess
    expect(requests).toEqual([
      { method: 'GET', path: '/api/v1/origins/archive' },
      { method: 'GET', path: '/api/v1/origins' },
      { method: 'DELETE', path: '/api/v1/origins/archive' },
    ]);
  });

  it.each([
    [['origin', 'set', 'archive'], '--endpoint is required'],
    [['origin', 'set', 'archive', '--endpoint', 'http://o', '--access-key-id', 'AKIA'], 'together'],
    [['origin', 'set', 'archive', '--endpoint', 'http://o', '--rps', 'many'], '--rps must be a number'],
    [['origin', 'set', '--endpoint', 'http://o'], '<bucket>'],
    [['origin', 'get'], '<bucket>'],
  ])('refuses %j (%s)', async (argv, message) => {
    // Act
    const attempt = build(...argv);
    // Assess
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('has a summary for every command', () => {
    // Assess
    for (const spec of Object.values(COMMANDS)) expect(spec.summary.length).toBeGreaterThan(0);
  });
});
