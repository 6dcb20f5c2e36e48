/**
 * Refuses, before any load and before anything is applied, a drill the target cannot run
 * (DRILLS.md: exit 2 with the field named): control-plane actions without a control plane, node
 * and service actions outside stack mode, a node the target does not have, a partition this
 * runner cannot make for real, and any rule the server's own validator would refuse.
 */
import {
  type DrillFile,
  DrillFileError,
  NODE_ACTIONS,
  SERVICE_ACTIONS,
  type ServiceName,
  type TargetInfo,
} from '../types.js';
import { drillRuleBodies, drillScenario } from './drill-rules.js';
import { isAlive, pidFromFile } from './processes.js';
import { backendPort } from './services.js';

const CONTROL_PLANE_ACTIONS = new Set(['rules', 'scenario', 'preset', 'clear', 'disable_all']);
const NODE_ACTION_SET = new Set<string>(NODE_ACTIONS);
const SERVICE_ACTION_SET = new Set<string>(SERVICE_ACTIONS);

/**
 * Throws a DrillFileError naming the first step the target cannot do (`method[i].action`,
 * `method[i].node`, `method[i].rules[j].<field>`, `--admin`); returns when every step can run.
 */
export function refuseImpossibleSteps(drill: DrillFile, target: TargetInfo): void {
  for (const step of drill.method) {
    const where = `method[${step.index}]`;
    if (CONTROL_PLANE_ACTIONS.has(step.action)) {
      if (target.admin === undefined) {
        throw new DrillFileError(
          '--admin',
          `${where}.action: ${step.action} needs the control plane, and none answers (give --admin URL)`,
        );
      }
      // The scenario name does not change what is valid; a placeholder run id is enough here.
      drillRuleBodies(drill, step, drillScenario('check'));
      continue;
    }
    if (NODE_ACTION_SET.has(step.action) || SERVICE_ACTION_SET.has(step.action)) {
      if (target.mode !== 'stack') {
        throw new DrillFileError(
          `${where}.action`,
          `${step.action} needs stack mode (the target is ${target.mode === 'unknown' ? 'of unknown mode: no storage-node pid files found' : target.mode})`,
        );
      }
      if (target.admin === undefined) {
        throw new DrillFileError(
          '--admin',
          `${where}.action: ${step.action} needs the control plane to find the nodes`,
        );
      }
    }
    if ('service' in step) {
      const why = serviceMissing(step.service, target.runDir);
      if (why !== undefined) throw new DrillFileError(`${where}.service`, why);
    }
    if ('node' in step) {
      const node = target.nodes.find((known) => known.id === step.node);
      if (node === undefined) {
        throw new DrillFileError(
          `${where}.node`,
          `no storage node ${step.node} at the target (it has ${target.nodes.map((known) => known.id).join(', ') || 'none'})`,
        );
      }
      if (step.action === 'partition_node' || step.action === 'heal_node') {
        if (!target.canPartition) {
          throw new DrillFileError(
            `${where}.action`,
            `${step.action} is a real network partition (nftables rules) and needs root with a working nft; this runner has none, and a drill does not fake one`,
          );
        }
        if (node.address === undefined) {
          throw new DrillFileError(`${where}.node`, `the control plane lists no address for ${step.node}`);
        }
      }
    }
  }
}

const SERVICE_URL = { postgres: 'DATABASE_URL', redis: 'REDIS_URL', etcd: 'ETCD_URL' } as const;

/** Why the stack at `runDir` has no `service` the drill could stop and start, if it has none. */
function serviceMissing(service: ServiceName, runDir: string | undefined): string | undefined {
  if (runDir === undefined) return `${service}: no run dir`;
  let port: number;
  try {
    port = backendPort(runDir, SERVICE_URL[service]);
  } catch (error) {
    return `${service}: ${(error as Error).message}`;
  }
  if (service === 'etcd') {
    const pid = pidFromFile(runDir, `etcd-${port}`);
    if (pid === undefined || !isAlive(pid)) {
      return `etcd on port ${port} was not started by this stack (no live ${runDir}/etcd-${port}.pid): not ours to stop`;
    }
  }
  return undefined;
}
