import { describe, expect, jest, test } from '@jest/globals';
import { useDrillServer } from './drill-server.js';
import { CI_TIME_SCALE, DRILL_TEST_TIMEOUT_MS, EMBEDDED_CASES } from './library-cases.js';
import { LIBRARY, runDrillFile } from './run-drill.js';

/**
 * One group of the library's embedded drills against an embedded server of the calling file's own,
 * one after another (rules are global to a server), each at CI_TIME_SCALE of its timeline. The
 * groups are separate test files so jest runs them side by side.
 */
export function describeEmbeddedLibrary(group: keyof typeof EMBEDDED_CASES): void {
  jest.setTimeout(DRILL_TEST_TIMEOUT_MS);

  describe(`drill library (${group}) in embedded mode`, () => {
    const drills = useDrillServer();

    test.each(EMBEDDED_CASES[group].map((c) => [c.file, c] as const))(
      '%s reaches its verdict',
      async (file, drill) => {
        const { result, stderr } = await runDrillFile(`${LIBRARY}${file}`, drills.server, {
          out: drills.reports.out(file),
          timeScale: CI_TIME_SCALE,
        });

        if (result.exitCode !== drill.exitCode) {
          throw new Error(
            `exit ${result.exitCode} (${result.reason}), expected ${drill.exitCode}:\n${stderr}`,
          );
        }
        expect(result.verdict).toBe(drill.exitCode === 0 ? 'passed' : 'failed');
        await drill.shows?.(result, drills.server);
        // Rolled back: nothing of the drill is left on the server.
        expect(await drills.server.faults.listRules()).toEqual([]);
      },
    );
  });
}
