import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { describe, expect, jest, test } from '@jest/globals';
import { useDrillServer } from '../support/drill/drill-server.js';
import { CI_TIME_SCALE, DRILL_TEST_TIMEOUT_MS } from '../support/drill/library-cases.js';
import { runDrillFile, TEST_DRILLS } from '../support/drill/run-drill.js';

jest.setTimeout(DRILL_TEST_TIMEOUT_MS);

// A runner that cannot fail is not tested: these drills must end with exit 1, saying which probe,
// in which window, and (integrity) which keys.
describe('drills that must fail', () => {
  const drills = useDrillServer();

  test('1% errors under a 100% SlowDown storm with retries off: error_rate violated during', async () => {
    const { result } = await runDrillFile(`${TEST_DRILLS}slowdown-no-retries.yaml`, drills.server, {
      out: drills.reports.out('slowdown'),
      timeScale: CI_TIME_SCALE,
    });

    expect(result).toMatchObject({ exitCode: 1, verdict: 'failed' });
    const probe = result.probes.find((p) => p.spec.probe === 'error_rate');
    expect(probe?.ok).toBe(false);
    const during = probe?.windows.find((w) => w.window === 'during');
    expect(during).toMatchObject({ ok: false });
    expect(during?.value).toBeGreaterThan(0.5);
    // Held outside the storm: the violation is the storm's, not the runner's.
    expect(probe?.windows.filter((w) => w.window !== 'during').every((w) => w.ok)).toBe(true);
    expect(result.reason).toMatch(/error_rate/);
    expect(result.reason).toMatch(/during/);
    // Retries off: not one retry in the report.
    expect(result.operations.reduce((sum, row) => sum + row.retries, 0)).toBe(0);
    expect(await drills.server.faults.listRules()).toEqual([]);
  });

  test('replica writes that vanish after their acknowledgement: lost writes listed with their keys', async () => {
    const { result } = await runDrillFile(`${TEST_DRILLS}vanishing-replicas.yaml`, drills.server, {
      out: drills.reports.out('vanishing'),
      timeScale: CI_TIME_SCALE,
    });

    expect(result).toMatchObject({ exitCode: 1, verdict: 'failed' });
    const lost = result.integrity?.violations.filter((v) => v.kind === 'lost') ?? [];
    expect(lost.length).toBeGreaterThan(0);
    for (const violation of lost) {
      expect(violation.key.startsWith(result.load.keyPrefix)).toBe(true);
      expect(violation.requestIds.length).toBeGreaterThan(0);
    }
    // Each lost write is one the rule made vanish: the hit log's stale_replica firings name it.
    expect(lost.some((v) => v.rules.length > 0)).toBe(true);
    expect(result.integrity?.violations.filter((v) => v.kind === 'phantom')).toEqual([]);
    expect(result.reason).toMatch(/integrity/);
    expect(await drills.server.faults.listRules()).toEqual([]);
    // The drill's bucket is gone after the run.
    const buckets = await drills.server.client.send(new ListBucketsCommand({}));
    expect((buckets.Buckets ?? []).map((b) => b.Name)).not.toContain(result.load.bucket);
  });

  test('an origin whose wrong bytes carry a matching ETag: no error, and the checker lists phantom reads', async () => {
    const { result } = await runDrillFile(`${TEST_DRILLS}origin-dirty-undetected.yaml`, drills.server, {
      out: drills.reports.out('origin-dirty'),
      timeScale: CI_TIME_SCALE,
    });

    expect(result).toMatchObject({ exitCode: 1, verdict: 'failed' });
    // Undetectable by the server and the SDK: no read failed...
    expect(result.probes.find((p) => p.spec.probe === 'error_rate')?.ok).toBe(true);
    // ...yet bytes the origin was never given were served, during the run and after it (cached).
    const phantom = result.integrity?.violations.filter((v) => v.kind === 'phantom') ?? [];
    expect(phantom.length).toBeGreaterThan(0);
    expect(phantom.some((v) => v.detail.startsWith('the final read'))).toBe(true);
    for (const violation of phantom) expect(violation.key.startsWith(result.load.keyPrefix)).toBe(true);
    // The read that fetched the dirty answer names the rule that made it (from the hit log).
    expect(phantom.some((v) => v.rules.includes('drill.origin-dirty-undetected.0.0'))).toBe(true);
    // A key whose cached copy is dirty has also lost the origin's bytes: every lost key is a phantom one.
    const phantomKeys = new Set(phantom.map((v) => v.key));
    const lost = result.integrity?.violations.filter((v) => v.kind === 'lost') ?? [];
    expect(lost.filter((v) => !phantomKeys.has(v.key))).toEqual([]);
    expect(result.reason).toMatch(/integrity/);
    expect(await drills.server.faults.listRules()).toEqual([]);
  });
});
