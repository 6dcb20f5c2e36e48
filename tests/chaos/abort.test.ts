import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { describe, expect, jest, test } from '@jest/globals';
import type { DrillResult } from '../../tools/drill/types.js';
import { useDrillServer } from '../support/drill/drill-server.js';
import { DRILL_TEST_TIMEOUT_MS } from '../support/drill/library-cases.js';
import { TEST_DRILLS } from '../support/drill/run-drill.js';

const EXIT_TIMEOUT_MS = 60_000;

jest.setTimeout(DRILL_TEST_TIMEOUT_MS);

// Ctrl-C in the middle of a fault: the load stops, the rollback runs, the report is written and
// marked aborted, and the command exits 130 — in a real process, with a real SIGINT.
describe('a drill interrupted with Ctrl-C', () => {
  const drills = useDrillServer();

  test('SIGINT (twice) mid-fault: exit 130, report marked aborted, no drill rule left on the server', async () => {
    const out = drills.reports.out('aborted');
    const child = spawn(
      process.execPath,
      [
        'bin/mock-s3.js',
        'drill',
        'run',
        `${TEST_DRILLS}slowdown-no-retries.yaml`,
        '--target',
        drills.server.endpoint,
        '--admin',
        drills.server.adminEndpoint,
        '--out',
        out,
        '--time-scale',
        '0.3',
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const killer = setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
    let stderr = '';
    child.stdout.resume();
    // The first step's log line says the storm is on: that is the moment to press Ctrl-C.
    const faultOn = new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        if (/rules: .*: applied/.test(stderr)) resolve();
      });
    });
    await Promise.race([faultOn, exited]);
    expect(await drills.server.faults.listRules()).toHaveLength(1);
    const interrupted = new Promise<void>((resolve) => {
      child.stderr.on('data', () => {
        if (stderr.includes('interrupted: stopping the load')) resolve();
      });
    });
    child.kill('SIGINT');
    // Ctrl-C pressed twice, as people do: the second, while the run winds down, must not cut the
    // rollback and the report short.
    await Promise.race([interrupted, exited]);
    child.kill('SIGINT');
    const [code] = await exited;
    clearTimeout(killer);

    expect({ code, stderr }).toEqual({ code: 130, stderr: expect.stringContaining('rollback') });
    const result = JSON.parse(await readFile(`${out}/result.json`, 'utf8')) as DrillResult;
    expect(result).toMatchObject({ verdict: 'aborted', exitCode: 130 });
    expect(result.load.elapsedMs).toBeLessThan(result.load.durationMs);
    expect(await drills.server.faults.listRules()).toEqual([]);
  });
});
