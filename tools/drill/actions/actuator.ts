/**
 * Applies a drill's steps and undoes everything it applied (DRILLS.md "Actions", `rollback:
 * always`). Each undoable thing is written to the leftovers registry before it is applied and
 * struck off once undone, so even a runner killed mid-drill leaves nothing a later run cannot undo.
 */
import { sendControl } from '../../cli/control-client.js';
import type { Actuator, DrillFile, DrillStep, ServiceName, StepOutcome, TargetInfo } from '../types.js';
import { drillRuleBodies, drillScenario } from './drill-rules.js';
import { inspectWorker, signalWorker, startWorker } from './nodes.js';
import { partition, partitionChain } from './partition.js';
import { describeService, stopService } from './services.js';
import { undoEntry } from './undo.js';
import { openRunRegistry, type UndoEntry } from './undo-registry.js';

const CONTROL_TIMEOUT_MS = 10_000;

/** What the drill has active now, each with the registry entry that undoes it. */
interface Applied {
  rules?: UndoEntry;
  engine?: UndoEntry;
  readonly partitions: Map<string, UndoEntry>;
  readonly nodes: Map<string, UndoEntry>;
  readonly services: Map<ServiceName, UndoEntry>;
  /** Rules of the drill are live (posted, not cleared or switched off). */
  rulesLive: boolean;
}

/**
 * The actuator of one run: `apply` never throws (a failed step is an outcome with `ok: false`),
 * `rollback` never throws and says, line by line, what it undid and what it could not.
 */
export function createActuator(
  drill: DrillFile,
  target: TargetInfo,
  runId: string,
  log: (line: string) => void,
): Actuator {
  const scenario = drillScenario(runId);
  const registry = openRunRegistry(runId);
  const applied: Applied = { partitions: new Map(), nodes: new Map(), services: new Map(), rulesLive: false };

  const faultActive = (): boolean =>
    applied.rulesLive || applied.partitions.size > 0 || applied.nodes.size > 0 || applied.services.size > 0;

  const admin = (): string => {
    if (target.admin === undefined) throw new Error('no control plane answers (--admin)');
    return target.admin;
  };
  const runDir = (): string => {
    if (target.runDir === undefined) throw new Error('not stack mode: no run dir with the pid files');
    return target.runDir;
  };

  async function undo(entry: UndoEntry): Promise<string> {
    const line = await undoEntry(entry);
    registry.remove(entry);
    return line;
  }

  async function postRules(step: DrillStep): Promise<{ detail: string; ruleIds: string[] }> {
    const bodies = drillRuleBodies(drill, step, scenario);
    const endpoint = admin();
    if (applied.rules === undefined) {
      applied.rules = { kind: 'rules', admin: endpoint, scenario };
      registry.add(applied.rules);
    }
    const ruleIds: string[] = [];
    try {
      for (const body of bodies) {
        const rule = (await sendControl(
          endpoint,
          { method: 'POST', path: '/rules', body },
          AbortSignal.timeout(CONTROL_TIMEOUT_MS),
        )) as { id: string };
        ruleIds.push(rule.id);
        applied.rulesLive = true;
      }
    } catch (error) {
      throw new Error(
        `${ruleIds.length} of ${bodies.length} rule(s) applied, then: ${(error as Error).message}`,
      );
    }
    return { detail: `${ruleIds.length} rule(s) (ids ${ruleIds.join(', ')}), scenario ${scenario}`, ruleIds };
  }

  async function applyStep(step: DrillStep): Promise<{ detail: string; ruleIds?: string[] }> {
    switch (step.action) {
      case 'rules':
      case 'scenario':
      case 'preset':
        return postRules(step);
      case 'clear': {
        if (applied.rules === undefined) return { detail: 'nothing of the drill to clear' };
        const line = await undo(applied.rules);
        applied.rules = undefined;
        applied.rulesLive = false;
        return { detail: line };
      }
      case 'disable_all': {
        const endpoint = admin();
        const status = (await sendControl(
          endpoint,
          { method: 'GET', path: '/status' },
          AbortSignal.timeout(CONTROL_TIMEOUT_MS),
        )) as { killSwitch?: boolean };
        if (status.killSwitch !== true && applied.engine === undefined) {
          applied.engine = { kind: 'engine', admin: endpoint };
          registry.add(applied.engine);
        }
        await sendControl(
          endpoint,
          { method: 'POST', path: '/disable-all' },
          AbortSignal.timeout(CONTROL_TIMEOUT_MS),
        );
        // The kill switch expires every rule, the drill's included.
        applied.rulesLive = false;
        return { detail: 'kill switch pulled: the engine is off and every rule expired' };
      }
      case 'kill_node':
      case 'stop_node': {
        const dir = runDir();
        const { pid, launch } = await inspectWorker(dir, step.node);
        const address = target.nodes.find((node) => node.id === step.node)?.address;
        const entry: UndoEntry = {
          kind: 'node',
          node: step.node,
          runDir: dir,
          launch,
          ...(address === undefined ? {} : { address }),
          ...(target.admin === undefined ? {} : { admin: target.admin }),
        };
        registry.add(entry);
        applied.nodes.set(step.node, entry);
        return {
          detail: await signalWorker(step.node, pid, step.action === 'kill_node' ? 'SIGKILL' : 'SIGTERM'),
        };
      }
      case 'start_node': {
        const entry = applied.nodes.get(step.node);
        if (entry !== undefined) {
          const line = await undo(entry);
          applied.nodes.delete(step.node);
          return { detail: line };
        }
        const address = target.nodes.find((node) => node.id === step.node)?.address;
        return {
          detail: await startWorker({
            runDir: runDir(),
            node: step.node,
            ...(address === undefined ? {} : { address }),
            ...(target.admin === undefined ? {} : { admin: target.admin }),
          }),
        };
      }
      case 'partition_node': {
        const address = target.nodes.find((node) => node.id === step.node)?.address;
        if (address === undefined) throw new Error(`no address for ${step.node}`);
        if (applied.partitions.has(step.node)) return { detail: `${step.node} is already partitioned` };
        const chain = partitionChain(step.node);
        const entry: UndoEntry = { kind: 'partition', node: step.node, chain };
        registry.add(entry);
        applied.partitions.set(step.node, entry);
        await partition(chain, address);
        return {
          detail: `${step.node} partitioned: the kernel drops TCP to and from ${address} (nftables chain ${chain})`,
        };
      }
      case 'heal_node': {
        const entry = applied.partitions.get(step.node);
        if (entry === undefined) return { detail: `${step.node} was not partitioned by this drill` };
        const line = await undo(entry);
        applied.partitions.delete(step.node);
        return { detail: line };
      }
      case 'stop_service': {
        const dir = runDir();
        const start = await describeService(step.service, dir);
        const entry: UndoEntry = { kind: 'service', service: step.service, runDir: dir, start };
        registry.add(entry);
        applied.services.set(step.service, entry);
        return { detail: await stopService(start, dir) };
      }
      case 'start_service': {
        const entry = applied.services.get(step.service);
        if (entry !== undefined) {
          const line = await undo(entry);
          applied.services.delete(step.service);
          return { detail: line };
        }
        const dir = runDir();
        return {
          detail: await undoEntry({
            kind: 'service',
            service: step.service,
            runDir: dir,
            start: await describeService(step.service, dir),
          }),
        };
      }
      case 'wait':
        return { detail: 'wait' };
    }
  }

  return {
    scenario,
    async apply(step) {
      let outcome: StepOutcome;
      try {
        const { detail, ruleIds } = await applyStep(step);
        outcome = {
          ok: true,
          detail,
          ...(ruleIds === undefined ? {} : { ruleIds }),
          faultActive: faultActive(),
        };
      } catch (error) {
        outcome = { ok: false, detail: (error as Error).message, faultActive: faultActive() };
      }
      log(`[drill] method[${step.index}] ${step.action}: ${outcome.ok ? '' : 'FAILED '}${outcome.detail}`);
      return outcome;
    },
    async rollback() {
      const lines: string[] = [];
      // Network and backends first: the control plane may need them to remove the rules.
      const order: UndoEntry[] = [
        ...applied.partitions.values(),
        ...applied.services.values(),
        ...applied.nodes.values(),
        ...(applied.rules === undefined ? [] : [applied.rules]),
        ...(applied.engine === undefined ? [] : [applied.engine]),
      ];
      for (const entry of order) {
        try {
          lines.push(await undo(entry));
        } catch (error) {
          lines.push(
            `could NOT undo ${entry.kind} (${describe(entry)}): ${(error as Error).message}; left in the registry for \`mock-s3 drill cleanup\``,
          );
        }
      }
      applied.partitions.clear();
      applied.services.clear();
      applied.nodes.clear();
      applied.rules = undefined;
      applied.engine = undefined;
      applied.rulesLive = false;
      if (lines.length === 0) lines.push('nothing to roll back');
      for (const line of lines) log(`[drill] rollback: ${line}`);
      return lines;
    },
  };
}

function describe(entry: UndoEntry): string {
  switch (entry.kind) {
    case 'rules':
      return entry.scenario;
    case 'engine':
      return entry.admin;
    case 'origin':
      return entry.bucket;
    case 'partition':
    case 'node':
      return entry.node;
    case 'service':
      return entry.service;
  }
}
