import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { CI_TIME_SCALE, DRILL_TEST_TIMEOUT_MS, EMBEDDED_CASES } from '../support/drill/library-cases.js';
import { LIBRARY, reportsDir, runDrillFile } from '../support/drill/run-drill.js';
import { type FaultTarget, startFaultServer } from '../support/e2e/faults.js';

jest.setTimeout(DRILL_TEST_TIMEOUT_MS);

// The nodes drills of the library against an embedded server of this file's own, one after another
// (rules are global to a server), each at CI_TIME_SCALE of its timeline.
describe('drill library (nodes) in embedded mode', () => {
  let server: FaultTarget;
  let reports: Awaited<ReturnType<typeof reportsDir>>;

  beforeAll(async () => {
    server = await startFaultServer();
    reports = await reportsDir();
  });
  afterAll(async () => {
    await server?.close();
    await reports?.remove();
  });

  test.each(EMBEDDED_CASES.nodes.map((c) => [c.file, c] as const))(
    '%s reaches its verdict',
    async (file, drill) => {
      const { result, stderr } = await runDrillFile(`${LIBRARY}${file}`, server, {
        out: reports.out(file),
        timeScale: CI_TIME_SCALE,
      });

      if (result.exitCode !== drill.exitCode) {
        throw new Error(`exit ${result.exitCode} (${result.reason}), expected ${drill.exitCode}:\n${stderr}`);
      }
      expect(result.verdict).toBe(drill.exitCode === 0 ? 'passed' : 'failed');
      drill.shows?.(result);
      // Rolled back: nothing of the drill is left on the server.
      expect(await server.faults.listRules()).toEqual([]);
    },
  );
});
