import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import { parseDrillFile, readDrillFile } from '../../../../tools/drill/drill-file.js';
import { DrillFileError } from '../../../../tools/drill/types.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string) => join(FIXTURES, name);

/** A valid drill, changed by `edit`; written as YAML and parsed as if it sat in the fixtures folder. */
// biome-ignore lint/suspicious/noExplicitAny: a test edits the document into any shape, valid or not
type Draft = Record<string, any>;
function drillWith(edit: (drill: Draft) => void): string {
  const drill: Draft = {
    name: 'base',
    load: { duration: '30s' },
    steady_state: [{ probe: 'error_rate', max: 0.01 }],
    method: [{ at: '5s', action: 'clear' }],
  };
  edit(drill);
  return stringify(drill);
}

/** The field a refused drill file names (fails the test when the file is accepted). */
function refusedField(text: string): string {
  try {
    parseDrillFile(text, fixture('drill.yaml'));
  } catch (error) {
    if (error instanceof DrillFileError) return error.field;
    throw error;
  }
  throw new Error(`accepted:\n${text}`);
}

describe('parseDrillFile', () => {
  it('parses the example of DRILLS.md', async () => {
    // Act
    const drill = await readDrillFile(fixture('drills-md-example.yaml'));

    // Assess
    expect(drill).toMatchObject({
      name: 'node-loss-under-load',
      description: 'one storage node lost while clients write and read',
      seed: 42,
      load: {
        durationMs: 60_000,
        loop: { kind: 'closed', concurrency: 16 },
        keys: 10_000,
        size: { min: 1024, max: 64 * 1024 },
        mix: { put: 40, get: 50, list: 5, delete: 5 },
        client: 'sdk',
        bucket: 'drill-{run}',
        keep: false,
      },
      steadyState: [
        { probe: 'error_rate', max: 0.01, during: true },
        { probe: 'latency_p99', max: 250, during: false },
        { probe: 'integrity' },
        { probe: 'http', url: 'http://127.0.0.1:3000/health', expect_status: 200, during: false },
      ],
      method: [
        {
          at: 10_000,
          index: 0,
          action: 'rules',
          rules: [
            { match: { operation: 'PutObject' }, fault: { type: 's3_error', code: 'SlowDown' }, rate: 0.2 },
          ],
        },
        { at: 20_000, index: 1, action: 'kill_node', node: 'node-2' },
        { at: 40_000, index: 2, action: 'clear' },
      ],
      recoveryMs: 10_000,
      rollback: 'always',
      mode: 'any',
      path: fixture('drills-md-example.yaml'),
    });
    expect(drill.source).toBe(readFileSync(fixture('drills-md-example.yaml'), 'utf8'));
    expect(drill.load.maxAttempts).toBeUndefined();
  });

  it('reads a scenario file beside the drill file, and the other step forms and load keys', async () => {
    // Act
    const drill = await readDrillFile(fixture('with-scenario.yaml'));

    // Assess
    expect(drill.mode).toBe('embedded');
    expect(drill.load).toMatchObject({
      loop: { kind: 'open', ratePerSecond: 200 },
      size: { min: 4096, max: 4096 },
      mix: { put: 50, get: 50 },
      maxAttempts: 1,
      keep: true,
    });
    expect(drill.steadyState).toEqual([
      { probe: 'throughput_min', min: 150, during: false },
      { probe: 'queue_pending', max: 100, during: true },
    ]);
    expect(drill.method).toEqual([
      {
        at: 2000,
        index: 0,
        action: 'scenario',
        file: 'slow-puts.scenario.yaml',
        scenario: {
          name: 'slow_puts',
          rules: [{ match: { operation: 'PutObject' }, fault: { type: 'latency', ms: 200 } }],
        },
      },
      { at: 4000, index: 1, action: 'preset', preset: 'queue-chaos', params: { rate: 0.5 } },
      { at: 8000, index: 2, action: 'stop_service', service: 'redis' },
      { at: 8000, index: 3, action: 'disable_all' },
    ]);
    expect(drill.recoveryMs).toBe(5000);
  });

  it('fills the documented defaults', () => {
    // Act
    const drill = parseDrillFile('name: minimal\n', fixture('minimal.yaml'));

    // Assess
    expect(drill).toMatchObject({
      description: '',
      seed: 1,
      recoveryMs: 10_000,
      rollback: 'always',
      mode: 'any',
      steadyState: [],
      method: [],
      load: {
        durationMs: 30_000,
        loop: { kind: 'closed', concurrency: 16 },
        keys: 10_000,
        size: { min: 1024, max: 1024 },
        mix: { put: 40, get: 50, list: 5, delete: 5 },
        client: 'sdk',
        bucket: 'drill-{run}',
        keep: false,
      },
    });
  });

  it('accepts a step at the very end of load and steps at the same time, in file order', () => {
    // Act
    const drill = parseDrillFile(
      drillWith((d) => {
        d.method = [
          { at: '30s', action: 'wait' },
          { at: '30s', action: 'clear' },
        ];
      }),
      fixture('drill.yaml'),
    );

    // Assess
    expect(drill.method.map((step) => [step.at, step.action])).toEqual([
      [30_000, 'wait'],
      [30_000, 'clear'],
    ]);
  });

  const refusals: readonly [string, string, string][] = [
    ['an unknown top-level key', drillWith((d) => (d.namex = 'x')), 'namex'],
    ['an unknown load key', drillWith((d) => (d.load.durationx = '10s')), 'load.durationx'],
    ['an unknown step key', drillWith((d) => (d.method[0].foo = 1)), 'method[0].foo'],
    ['an unknown probe key', drillWith((d) => (d.steady_state[0].maxx = 1)), 'steady_state[0].maxx'],
    ['a key of another probe', drillWith((d) => (d.steady_state[0].url = 'http://x')), 'steady_state[0].url'],
    ['a key of another action', drillWith((d) => (d.method[0].node = 'node-1')), 'method[0].node'],
    ['a duration without a unit', drillWith((d) => (d.load.duration = 60)), 'load.duration'],
    ['a duration in an unknown unit', drillWith((d) => (d.load.duration = '10h')), 'load.duration'],
    ['a negative duration', drillWith((d) => (d.recovery = '-5s')), 'recovery'],
    ['a zero load duration', drillWith((d) => (d.load.duration = '0s')), 'load.duration'],
    ['a negative at', drillWith((d) => (d.method[0].at = '-1s')), 'method[0].at'],
    ['an at past the end of load', drillWith((d) => (d.method[0].at = '31s')), 'method[0].at'],
    [
      'steps out of time order',
      drillWith((d) => d.method.push({ at: '4s', action: 'wait' })),
      'method[1].at',
    ],
    ['a step without at', drillWith((d) => delete d.method[0].at), 'method[0].at'],
    ['a name with capitals and spaces', drillWith((d) => (d.name = 'Node Loss')), 'name'],
    ['a name of 65 characters', drillWith((d) => (d.name = 'a'.repeat(65))), 'name'],
    ['no name', drillWith((d) => delete d.name), 'name'],
    [
      'a latency threshold without a unit',
      drillWith((d) => (d.steady_state = [{ probe: 'latency_p99', max: 250 }])),
      'steady_state[0].max',
    ],
    [
      'a latency probe without a threshold',
      drillWith((d) => (d.steady_state = [{ probe: 'latency_p50' }])),
      'steady_state[0].max',
    ],
    [
      'an error rate as a percentage',
      drillWith((d) => (d.steady_state[0].max = '1%')),
      'steady_state[0].max',
    ],
    ['an error rate above 1', drillWith((d) => (d.steady_state[0].max = 1.5)), 'steady_state[0].max'],
    ['during as a string', drillWith((d) => (d.steady_state[0].during = 'yes')), 'steady_state[0].during'],
    [
      'a throughput probe without min',
      drillWith((d) => (d.steady_state = [{ probe: 'throughput_min' }])),
      'steady_state[0].min',
    ],
    [
      'a queue probe with a fractional max',
      drillWith((d) => (d.steady_state = [{ probe: 'queue_pending', max: 2.5 }])),
      'steady_state[0].max',
    ],
    [
      'an unknown probe',
      drillWith((d) => (d.steady_state = [{ probe: 'latency_p42' }])),
      'steady_state[0].probe',
    ],
    [
      'a probe without its name',
      drillWith((d) => (d.steady_state = [{ max: 0.1 }])),
      'steady_state[0].probe',
    ],
    [
      'an http probe without url',
      drillWith((d) => (d.steady_state = [{ probe: 'http' }])),
      'steady_state[0].url',
    ],
    [
      'an http probe with a URL that is not http',
      drillWith((d) => (d.steady_state = [{ probe: 'http', url: 'ftp://127.0.0.1/' }])),
      'steady_state[0].url',
    ],
    [
      'an http probe with a bad status',
      drillWith((d) => (d.steady_state = [{ probe: 'http', url: 'http://127.0.0.1/', expect_status: 700 }])),
      'steady_state[0].expect_status',
    ],
    [
      'an http probe with a body that is not a regular expression',
      drillWith((d) => (d.steady_state = [{ probe: 'http', url: 'http://127.0.0.1/', expect_body: '(' }])),
      'steady_state[0].expect_body',
    ],
    ['steady_state not a list', drillWith((d) => (d.steady_state = { probe: 'integrity' })), 'steady_state'],
    [
      'a node action without node',
      drillWith((d) => (d.method = [{ at: '1s', action: 'kill_node' }])),
      'method[0].node',
    ],
    [
      'a service that is not postgres, redis or etcd',
      drillWith((d) => (d.method = [{ at: '1s', action: 'stop_service', service: 'mysql' }])),
      'method[0].service',
    ],
    [
      'an unknown action',
      drillWith((d) => (d.method = [{ at: '1s', action: 'explode' }])),
      'method[0].action',
    ],
    ['a step with no action', drillWith((d) => (d.method = [{ at: '1s' }])), 'method[0].action'],
    [
      'a step with two forms',
      drillWith((d) => (d.method = [{ at: '1s', rules: [{}], preset: 'queue-chaos' }])),
      'method[0].preset',
    ],
    ['an empty rules list', drillWith((d) => (d.method = [{ at: '1s', rules: [] }])), 'method[0].rules'],
    [
      'rules that are not a list',
      drillWith((d) => (d.method = [{ at: '1s', rules: { a: 1 } }])),
      'method[0].rules',
    ],
    [
      'a rule that is not a mapping',
      drillWith((d) => (d.method = [{ at: '1s', rules: [{}, 'x'] }])),
      'method[0].rules[1]',
    ],
    [
      'a scenario file that does not exist',
      drillWith((d) => (d.method = [{ at: '1s', scenario: 'missing.scenario.yaml' }])),
      'method[0].scenario',
    ],
    [
      'a scenario file that does not parse',
      drillWith((d) => (d.method = [{ at: '1s', scenario: 'broken.scenario.yaml' }])),
      'method[0].scenario',
    ],
    [
      'preset params that are not a mapping',
      drillWith((d) => (d.method = [{ at: '1s', preset: 'queue-chaos', params: [1] }])),
      'method[0].params',
    ],
    [
      'both concurrency and rate',
      drillWith((d) => Object.assign(d.load, { concurrency: 4, rate: '10/s' })),
      'load.rate',
    ],
    ['a rate of zero', drillWith((d) => (d.load.rate = '0/s')), 'load.rate'],
    ['zero concurrency', drillWith((d) => (d.load.concurrency = 0)), 'load.concurrency'],
    ['zero keys', drillWith((d) => (d.load.keys = 0)), 'load.keys'],
    ['fractional keys', drillWith((d) => (d.load.keys = 1.5)), 'load.keys'],
    ['a size in an unknown unit', drillWith((d) => (d.load.size = '1KB')), 'load.size'],
    ['a size range upside down', drillWith((d) => (d.load.size = '2KiB..1KiB')), 'load.size'],
    ['a mix with an unknown operation', drillWith((d) => (d.load.mix = { putx: 1 })), 'load.mix'],
    ['a mix of zeros', drillWith((d) => (d.load.mix = 'put=0,get=0')), 'load.mix'],
    ['an unknown client', drillWith((d) => (d.load.client = 'aws')), 'load.client'],
    [
      'max_attempts with the raw client',
      drillWith((d) => Object.assign(d.load, { client: 'raw', max_attempts: 1 })),
      'load.max_attempts',
    ],
    ['max_attempts of zero', drillWith((d) => (d.load.max_attempts = 0)), 'load.max_attempts'],
    ['a bucket S3 would refuse', drillWith((d) => (d.load.bucket = 'Drill_{run}')), 'load.bucket'],
    [
      'a bucket too long once {run} is the run id',
      drillWith((d) => (d.load.bucket = `${'b'.repeat(40)}-{run}`)),
      'load.bucket',
    ],
    ['keep as a string', drillWith((d) => (d.load.keep = 'yes')), 'load.keep'],
    ['a rollback other than always', drillWith((d) => (d.rollback = 'never')), 'rollback'],
    ['an unknown mode', drillWith((d) => (d.mode = 'cloud')), 'mode'],
    ['a negative seed', drillWith((d) => (d.seed = -1)), 'seed'],
    ['a file that is a list', '- name: x\n', '(file)'],
    ['a file that is not YAML', 'name: [unclosed\n', fixture('drill.yaml')],
    ['a key given twice', 'name: a\nname: b\n', fixture('drill.yaml')],
  ];

  it.each(refusals)('refuses %s, naming the field', (_case, text, field) => {
    // Act + Assess
    expect(refusedField(text)).toBe(field);
  });

  const messageOf = (text: string) => {
    try {
      parseDrillFile(text, fixture('drill.yaml'));
    } catch (caught) {
      return (caught as Error).message;
    }
    return undefined;
  };

  it('says why a field is refused, in the message too', () => {
    // Act + Assess
    expect(messageOf(drillWith((d) => (d.method[0].at = '31s')))).toBe(
      'method[0].at: 31000ms is past the end of load (load.duration is 30000ms)',
    );
    expect(messageOf(drillWith((d) => (d.recovery = '-5s')))).toBe(
      'recovery: "-5s" is negative: a duration is >= 0',
    );
  });

  it('refuses a drill file that does not exist, naming the path', async () => {
    // Act + Assess
    await expect(readDrillFile(fixture('nowhere.yaml'))).rejects.toMatchObject({
      name: 'DrillFileError',
      field: fixture('nowhere.yaml'),
    });
  });
});

describe('origin: (the bucket reads through to a seeded origin)', () => {
  const withOrigin = (origin: unknown, edit: (drill: Draft) => void = () => undefined) =>
    drillWith((d) => {
      d.load = { duration: '30s', keys: 500, mix: { get: 90, put: 10 } };
      d.origin = origin;
      edit(d);
    });

  it('takes the origin bucket, its seeded keys and the rest of the origin body, with defaults', () => {
    // Act
    const full = parseDrillFile(
      withOrigin({
        bucket: 'src-{run}',
        keys: 200,
        size: '4KiB',
        config: { writeBack: false, rps: 0, breaker: { failures: 3, openMs: 500 } },
      }),
      fixture('drill.yaml'),
    );
    const defaults = parseDrillFile(withOrigin({}), fixture('drill.yaml'));
    const none = parseDrillFile(
      drillWith(() => undefined),
      fixture('drill.yaml'),
    );

    // Assess
    expect(full.origin).toEqual({
      bucket: 'src-{run}',
      keys: 200,
      size: { min: 4096, max: 4096 },
      config: { writeBack: false, rps: 0, breaker: { failures: 3, openMs: 500 } },
    });
    expect(defaults.origin).toEqual({
      bucket: 'drill-{run}-origin',
      keys: 500,
      size: { min: 1024, max: 1024 },
      config: {},
    });
    expect(none.origin).toBeUndefined();
  });

  const refusals: [string, string, string][] = [
    [
      'an origin body the server would refuse',
      withOrigin({ config: { breaker: { failures: 0 } } }),
      'origin.config.breaker.failures',
    ],
    ['an unknown field of the origin body', withOrigin({ config: { ttl: '1s' } }), 'origin.config.ttl'],
    [
      'an endpoint (the origin is a bucket of the target)',
      withOrigin({ config: { endpoint: 'http://x' } }),
      'origin.config.endpoint',
    ],
    ['more seeded keys than load keys', withOrigin({ keys: 501 }), 'origin.keys'],
    ['the bucket itself as its origin', withOrigin({ bucket: 'drill-{run}' }), 'origin.bucket'],
    ['an invalid origin bucket name', withOrigin({ bucket: 'UPPER' }), 'origin.bucket'],
    ['an unknown key', withOrigin({ objects: 3 }), 'origin.objects'],
    [
      'deletes, which read-through undoes',
      withOrigin({}, (d) => (d.load.mix = { get: 90, delete: 10 })),
      'load.mix',
    ],
  ];

  it.each(refusals)('refuses %s, naming the field', (_case, text, field) => {
    // Act + Assess
    expect(refusedField(text)).toBe(field);
  });
});
