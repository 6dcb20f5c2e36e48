import { describe, expect, jest, test } from '@jest/globals';
import { runDrill } from '../../tools/drill/runner.js';
import type { DrillResult } from '../../tools/drill/types.js';
import type { LoadRun } from '../../tools/load/types.js';
import { useDrillServer } from '../support/drill/drill-server.js';
import { DRILL_TEST_TIMEOUT_MS } from '../support/drill/library-cases.js';
import { captureIo, TEST_DRILLS } from '../support/drill/run-drill.js';

/** How many of the rule's matches the test compares (a coincidence is 1 in 2^20 per alignment). */
const MATCHES = 20;
/**
 * How many PUTs may start between the step's start and the rule being in force (the control call
 * takes its time on a loaded machine: two PUTs slipped in once in CI), so the runs are compared
 * at every offset up to this one.
 */
const MAX_SHIFT = 4;

jest.setTimeout(DRILL_TEST_TIMEOUT_MS);

// FAULTS.md determinism through a drill: the same seed, file and target give the same faults at the
// same match numbers of each rule. Which request is the rule's first match depends on when the
// step lands (PUTs go on while the rule is being added), so the two runs are aligned within MAX_SHIFT.
describe('a drill replayed from its seed', () => {
  const drills = useDrillServer();

  async function replay(name: string): Promise<{ result: DrillResult; run: LoadRun }> {
    let run: LoadRun | undefined;
    const result = await runDrill(
      {
        file: `${TEST_DRILLS}replay.yaml`,
        target: drills.server.endpoint,
        admin: drills.server.adminEndpoint,
        out: drills.reports.out(name),
        observeLoad: (observed) => {
          run = observed;
        },
      },
      captureIo().io,
    );
    if (run === undefined) throw new Error(`no load observed: ${result.reason}`);
    return { result, run };
  }

  /** Fault (true) or not for each PUT that started once the rule was in force, until the clear. */
  function decisions({ result, run }: { result: DrillResult; run: LoadRun }): boolean[] {
    const [rule, clear] = result.steps;
    return (run.history?.writes ?? [])
      .filter((w) => w.startedAtMs > rule!.appliedAtMs && w.endedAtMs < clear!.atMs)
      .map((w) => !w.acked);
  }

  test('the same PUTs fail at the same match numbers of the rule, and the load is the same', async () => {
    const first = await replay('first');
    const second = await replay('second');
    const a = decisions(first);
    const b = decisions(second);
    const pattern = (d: readonly boolean[]) => d.map((faulted) => (faulted ? 'x' : '.')).join('');

    expect(first.result.firings.map((f) => f.ruleId)).toEqual(second.result.firings.map((f) => f.ruleId));
    expect(a.length).toBeGreaterThan(MATCHES + 1);
    expect(b.length).toBeGreaterThan(MATCHES + 1);
    // Both fault about half, and not all alike: a pattern worth comparing.
    expect(a.filter(Boolean).length).toBeGreaterThan(MATCHES / 5);
    const aligned = Array.from({ length: MAX_SHIFT + 1 }, (_, shift) => shift).some(
      (shift) =>
        pattern(a.slice(shift, shift + MATCHES)) === pattern(b.slice(0, MATCHES)) ||
        pattern(b.slice(shift, shift + MATCHES)) === pattern(a.slice(0, MATCHES)),
    );
    expect({ aligned, a: pattern(a), b: pattern(b) }).toEqual(expect.objectContaining({ aligned: true }));
    // The seeded load: the same keys written in the same order.
    const keys = (r: LoadRun) =>
      r.history?.writes.slice(0, 30).map((w) => w.key.slice(r.spec.keyPrefix.length));
    expect(keys(first.run)).toEqual(keys(second.run));
  });
});
