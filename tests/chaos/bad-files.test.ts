import { existsSync } from 'node:fs';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { describe, expect, jest, test } from '@jest/globals';
import { useDrillServer } from '../support/drill/drill-server.js';
import { DRILL_TEST_TIMEOUT_MS } from '../support/drill/library-cases.js';
import { drillCommand, TEST_DRILLS } from '../support/drill/run-drill.js';
import { freePort } from '../support/e2e/server.js';

jest.setTimeout(DRILL_TEST_TIMEOUT_MS);

// A drill that cannot run says why, naming the field, exits 2, and leaves nothing behind: no
// rule on the control plane, no bucket, no report.
describe('drill files and targets that cannot run', () => {
  const drills = useDrillServer();

  async function expectNothingApplied(out: string): Promise<void> {
    expect(await drills.server.faults.listRules()).toEqual([]);
    const buckets = await drills.server.client.send(new ListBucketsCommand({}));
    expect(buckets.Buckets ?? []).toEqual([]);
    expect(existsSync(out)).toBe(false);
  }

  test.each([
    ['an unknown key', 'bad-unknown-key.yaml', /load\.colour/],
    ['a bad duration', 'bad-duration.yaml', /load\.duration/],
    ['an `at` past the end of load', 'bad-at-past-end.yaml', /method\[1\]\.at/],
    [
      'an action embedded mode cannot do (kill_node)',
      'bad-kill-node-embedded.yaml',
      /method\[1\]\.(action|node)/,
    ],
  ])('%s: exit 2, the field named, nothing applied', async (_what, file, field) => {
    const out = drills.reports.out(file);
    const run = await drillCommand([
      'run',
      `${TEST_DRILLS}${file}`,
      '--target',
      drills.server.endpoint,
      '--admin',
      drills.server.adminEndpoint,
      '--out',
      out,
    ]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(field);
    await expectNothingApplied(out);
  });

  test('a target that does not answer: exit 2, --target named, nothing applied', async () => {
    const out = drills.reports.out('no-target');
    const run = await drillCommand([
      'run',
      `${TEST_DRILLS}slowdown-no-retries.yaml`,
      '--target',
      `http://127.0.0.1:${await freePort()}`,
      '--admin',
      drills.server.adminEndpoint,
      '--out',
      out,
    ]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--target/);
    await expectNothingApplied(out);
  });

  test('a drill with an origin and no control plane: exit 2, --admin named, no bucket made', async () => {
    const out = drills.reports.out('origin-no-admin');
    const run = await drillCommand([
      'run',
      `${TEST_DRILLS}bad-origin-no-admin.yaml`,
      '--target',
      drills.server.endpoint,
      '--admin',
      `http://127.0.0.1:${await freePort()}`,
      '--out',
      out,
    ]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--admin: origin: .*needs the control plane/);
    await expectNothingApplied(out);
  });

  test('--dry-run prints the plan and applies nothing', async () => {
    const out = drills.reports.out('dry-run');
    const run = await drillCommand([
      'run',
      `${TEST_DRILLS}slowdown-no-retries.yaml`,
      '--target',
      drills.server.endpoint,
      '--admin',
      drills.server.adminEndpoint,
      '--out',
      out,
      '--dry-run',
      '--time-scale',
      '0.5',
    ]);

    expect(run.code).toBe(0);
    // The timeline at half scale: steps at 5 s and 10 s of a 15 s load.
    expect(run.stdout).toMatch(/during\s+5s \.\. 10s/);
    expect(run.stdout).toMatch(/after\s+10s \.\. 15s/);
    expect(run.stdout).toMatch(/at 5s\s+rules: .*s3_error SlowDown/);
    await expectNothingApplied(out);
  });
});
