import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { CI_TIME_SCALE, DRILL_TEST_TIMEOUT_MS, STACK_CASES } from '../../support/drill/library-cases.js';
import { LIBRARY, reportsDir, runDrillFile } from '../../support/drill/run-drill.js';
import { FaultsClient } from '../../support/e2e/faults.js';
import { type StackEnv, stackEnv } from '../../support/stack/stack-env.js';

jest.setTimeout(DRILL_TEST_TIMEOUT_MS);

// The drills that need stack mode (a worker killed with SIGKILL, a node cut off by the kernel),
// against the test stack, each at CI_TIME_SCALE of its timeline. Run by the stack project.
describe('drill library in stack mode', () => {
  let env: StackEnv;
  let reports: Awaited<ReturnType<typeof reportsDir>>;

  beforeAll(async () => {
    env = stackEnv();
    reports = await reportsDir();
  });
  afterAll(async () => {
    await reports?.remove();
  });

  test.each(STACK_CASES.map((c) => [c.file, c] as const))('%s reaches its verdict', async (file, drill) => {
    const { result, stderr } = await runDrillFile(
      `${LIBRARY}${file}`,
      { endpoint: env.endpoint, adminEndpoint: env.adminEndpoint },
      { out: reports.out(file), timeScale: CI_TIME_SCALE, runDir: env.runDir },
    );

    if (result.exitCode !== drill.exitCode) {
      throw new Error(`exit ${result.exitCode} (${result.reason}), expected ${drill.exitCode}:\n${stderr}`);
    }
    expect(result.mode).toBe('stack');
    drill.shows?.(result);
    // Rolled back: no drill rule left, and every node answers again (the drill restarted or healed it).
    const rules = (await new FaultsClient(env.adminEndpoint).listRules()).filter((rule) =>
      String(rule.scenario ?? '').includes(result.runId),
    );
    expect(rules).toEqual([]);
    expect(result.rollback.join('\n')).not.toMatch(/could not|failed/i);
  });
});
