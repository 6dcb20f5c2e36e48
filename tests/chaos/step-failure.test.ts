import { readFile } from 'node:fs/promises';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import type { DrillResult } from '../../tools/drill/types.js';
import { DRILL_TEST_TIMEOUT_MS } from '../support/drill/library-cases.js';
import { drillCommand, reportsDir, TEST_DRILLS } from '../support/drill/run-drill.js';
import { type FaultTarget, startFaultServer } from '../support/e2e/faults.js';

jest.setTimeout(DRILL_TEST_TIMEOUT_MS);

// A step the server refuses mid-run (here every drill rule: this server allows TTLs of at most a
// minute, the drill's rules live past its end) ends the run with exit 2 and verdict error: the
// load stops, the rollback runs, the report says which step and why.
describe('a step refused mid-run', () => {
  let server: FaultTarget;
  let reports: Awaited<ReturnType<typeof reportsDir>>;

  beforeAll(async () => {
    server = await startFaultServer({ env: { FAULTS_MAX_TTL: '1m' } });
    reports = await reportsDir();
  });
  afterAll(async () => {
    await server?.close();
    await reports?.remove();
  });

  test('exit 2, verdict error naming the step, load stopped early, nothing left applied', async () => {
    const out = reports.out('refused');
    const run = await drillCommand([
      'run',
      `${TEST_DRILLS}slowdown-no-retries.yaml`,
      '--target',
      server.endpoint,
      '--admin',
      server.adminEndpoint,
      '--out',
      out,
      '--time-scale',
      '0.2',
    ]);

    expect(run.code).toBe(2);
    const result = JSON.parse(await readFile(`${out}/result.json`, 'utf8')) as DrillResult;
    expect(result).toMatchObject({ verdict: 'error', exitCode: 2 });
    expect(result.reason).toMatch(/method\[0\]/);
    expect(result.steps).toEqual([expect.objectContaining({ index: 0, ok: false })]);
    // Stopped at the refused step (2 s of a 6 s load), not run to its end.
    expect(result.load.elapsedMs).toBeLessThan(4000);
    expect(await server.faults.listRules()).toEqual([]);
    const buckets = await server.client.send(new ListBucketsCommand({}));
    expect(buckets.Buckets ?? []).toEqual([]);
  });
});
