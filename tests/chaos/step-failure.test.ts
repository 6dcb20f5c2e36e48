import { readFile } from 'node:fs/promises';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { describe, expect, jest, test } from '@jest/globals';
import type { DrillResult } from '../../tools/drill/types.js';
import { useDrillServer } from '../support/drill/drill-server.js';
import { DRILL_TEST_TIMEOUT_MS } from '../support/drill/library-cases.js';
import { drillCommand, TEST_DRILLS } from '../support/drill/run-drill.js';

jest.setTimeout(DRILL_TEST_TIMEOUT_MS);

// A step the server refuses mid-run (here every drill rule: this server allows TTLs of at most a
// minute, the drill's rules live past its end) ends the run with exit 2 and verdict error: the
// load stops, the rollback runs, the report says which step and why.
describe('a step refused mid-run', () => {
  const drills = useDrillServer({ env: { FAULTS_MAX_TTL: '1m' } });

  test('exit 2, verdict error naming the step, load stopped early, nothing left applied', async () => {
    const out = drills.reports.out('refused');
    const run = await drillCommand([
      'run',
      `${TEST_DRILLS}slowdown-no-retries.yaml`,
      '--target',
      drills.server.endpoint,
      '--admin',
      drills.server.adminEndpoint,
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
    expect(await drills.server.faults.listRules()).toEqual([]);
    const buckets = await drills.server.client.send(new ListBucketsCommand({}));
    expect(buckets.Buckets ?? []).toEqual([]);
  });
});
