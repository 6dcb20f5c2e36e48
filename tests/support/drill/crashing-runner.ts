/**
 * A drill runner that applies its steps and then hangs until it is killed: the crash the leftovers
 * registry exists for. Run as `node --import tsx tests/support/drill/crashing-runner.ts '<json>'`
 * with `{ drill, target, runId }`; prints `applied <outcomes>` once every step is applied.
 */
import { createActuator } from '../../../tools/drill/actions/actuator.js';
import type { DrillFile, TargetInfo } from '../../../tools/drill/types.js';

const { drill, target, runId } = JSON.parse(process.argv[2] ?? '{}') as {
  drill: DrillFile;
  target: TargetInfo;
  runId: string;
};
const actuator = createActuator(drill, target, runId, () => undefined);
const outcomes = [];
for (const step of drill.method) outcomes.push(await actuator.apply(step));
process.stdout.write(`applied ${JSON.stringify(outcomes)}\n`);
// Stays alive, holding what it applied, until the test kills it.
setInterval(() => undefined, 60_000);
