import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createActuator } from '../../tools/drill/actions/actuator.js';
import { cleanupLeftovers } from '../../tools/drill/actions/leftovers.js';
import { NFT_TABLE, ourChains } from '../../tools/drill/actions/partition.js';
import { inspectTarget } from '../../tools/drill/actions/target.js';
import type { TargetInfo } from '../../tools/drill/types.js';
import { applyThenCrash } from '../support/drill/crash.js';
import { sampleDrill } from '../support/drill/sample-drill.js';
import { eventually, FaultsClient } from '../support/e2e/faults.js';
import { isAlive, killPart, pidOf, run, stackUp } from '../support/stack/processes.js';
import { type StackEnv, stackEnv } from '../support/stack/stack-env.js';

jest.setTimeout(240_000);

/** Longer than a connection to a live node takes on a loaded machine, short enough to wait for. */
const ANSWER_TIMEOUT_MS = 2_000;
const SLOW_PUTS = { match: { operation: 'PutObject' }, fault: { type: 's3_error', code: 'SlowDown' } };

let env: StackEnv;
let target: TargetInfo;
let faults: FaultsClient;

/** A raw HTTP GET of a node's /health: its status, or the transport failure (`TimeoutError`). */
async function nodeAnswer(port: number): Promise<string> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, {
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    return String(response.status);
  } catch (error) {
    return (error as Error).name;
  }
}

function portOf(node: string): number {
  return env.nodePorts[env.nodeIds.indexOf(node)]!;
}

/** Whether 127.0.0.1:`port` accepts a TCP connection. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ANSWER_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function etcdUrl(): string {
  const url = /^ETCD_URL=(.*)$/m.exec(readFileSync(join(env.runDir, 'stack.env'), 'utf8'))?.[1];
  if (url === undefined) throw new Error(`no ETCD_URL in ${env.runDir}/stack.env`);
  return url;
}

async function redisPing(): Promise<string> {
  return (
    await run('redis-cli', ['-h', '127.0.0.1', '-p', String(env.redisPort), 'ping'], 10_000)
  ).output.trim();
}

beforeAll(async () => {
  env = stackEnv();
  faults = new FaultsClient(env.adminEndpoint);
  target = await inspectTarget({ target: env.endpoint, admin: env.adminEndpoint, runDir: env.runDir });
});

afterAll(async () => {
  // Whatever a failed test left: the drill's own cleanup, then the stack's `up` for anything else.
  await cleanupLeftovers(() => undefined);
  await stackUp();
});

describe('drill actions in stack mode', () => {
  it('inspectTarget finds stack mode: worker nodes with their URLs, the run dir, and a real partition possible', () => {
    expect(target.mode).toBe('stack');
    expect(target.runDir).toBe(env.runDir);
    expect(target.nodes).toEqual(
      env.nodeIds.map((id, index) => ({ id, address: `http://127.0.0.1:${env.nodePorts[index]}` })),
    );
    expect(target.canPartition).toBe(true);
  });

  it('worker nodes whose pid files are not here (another machine, a wrong --run-dir) are not stack mode', async () => {
    const elsewhere = await inspectTarget({
      target: env.endpoint,
      admin: env.adminEndpoint,
      runDir: '/nonexistent',
    });
    expect(elsewhere.mode).toBe('unknown');
    expect(elsewhere.runDir).toBeUndefined();
  });

  it('kill_node SIGKILLs the worker; start_node starts it again, healthy and registered', async () => {
    const drill = sampleDrill([
      { action: 'kill_node', node: 'node-2' },
      { action: 'start_node', node: 'node-2' },
    ]);
    const actuator = createActuator(drill, target, 'stack-kill', () => undefined);
    const before = await pidOf(env, 'node-2');

    const killed = await actuator.apply(drill.method[0]!);
    expect(killed).toMatchObject({ ok: true, faultActive: true, detail: `node-2 SIGKILL (pid ${before})` });
    expect(isAlive(before)).toBe(false);
    expect(await nodeAnswer(portOf('node-2'))).not.toBe('200');

    const started = await actuator.apply(drill.method[1]!);
    expect(started).toMatchObject({ ok: true, faultActive: false });
    const after = await pidOf(env, 'node-2');
    expect(after).not.toBe(before);
    expect(isAlive(after)).toBe(true);
    expect(await nodeAnswer(portOf('node-2'))).toBe('200');
    const listed = (await (await fetch(`${env.adminEndpoint}/api/v1/storage/nodes`)).json()) as {
      nodes: { id: string; healthy: boolean }[];
    };
    expect(listed.nodes).toContainEqual(expect.objectContaining({ id: 'node-2', healthy: true }));
    expect(await actuator.rollback()).toEqual(['nothing to roll back']);
  });

  it('start_node of a worker the drill did not stop starts it the way the stack does (stack.sh up)', async () => {
    const drill = sampleDrill([{ action: 'start_node', node: 'node-1' }]);
    const actuator = createActuator(drill, target, 'stack-start', () => undefined);
    const before = await killPart(env, 'node-1');

    const started = await actuator.apply(drill.method[0]!);
    expect(started).toMatchObject({ ok: true, faultActive: false });
    expect(started.detail).toContain('scripts/stack.sh up');
    const after = await pidOf(env, 'node-1');
    expect(after).not.toBe(before);
    expect(await nodeAnswer(portOf('node-1'))).toBe('200');
  });

  it('stop_service redis shuts the stack Redis down; start_service redis brings it back', async () => {
    const drill = sampleDrill([
      { action: 'stop_service', service: 'redis' },
      { action: 'start_service', service: 'redis' },
    ]);
    const actuator = createActuator(drill, target, 'stack-redis', () => undefined);
    expect(await redisPing()).toBe('PONG');

    expect(await actuator.apply(drill.method[0]!)).toMatchObject({ ok: true, faultActive: true });
    expect(await redisPing()).not.toBe('PONG');

    expect(await actuator.apply(drill.method[1]!)).toMatchObject({ ok: true, faultActive: false });
    expect(await redisPing()).toBe('PONG');
  });

  it.each(['postgres', 'etcd'] as const)(
    'stop_service %s stops the stack backend; start_service brings it back and the stack serves again',
    async (service) => {
      const drill = sampleDrill([
        { action: 'stop_service', service },
        { action: 'start_service', service },
      ]);
      const actuator = createActuator(drill, target, `stack-${service}`, () => undefined);
      const port = service === 'postgres' ? env.pgPort : Number(new URL(etcdUrl()).port);
      expect(await accepts(port)).toBe(true);

      expect(await actuator.apply(drill.method[0]!)).toMatchObject({ ok: true, faultActive: true });
      expect(await accepts(port)).toBe(false);

      expect(await actuator.apply(drill.method[1]!)).toMatchObject({ ok: true, faultActive: false });
      expect(await accepts(port)).toBe(true);
      await eventually(
        async () =>
          (await fetch(env.endpoint, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined))?.status,
        (status) => status === 200,
        { what: 'ListBuckets through the stack', timeoutMs: 60_000, intervalMs: 500 },
      );
    },
  );

  it('partition_node: the node stays up but its port stops answering while the others answer; heal_node: it answers again', async () => {
    const drill = sampleDrill([
      { action: 'partition_node', node: 'node-3' },
      { action: 'heal_node', node: 'node-3' },
    ]);
    const actuator = createActuator(drill, target, 'stack-partition', () => undefined);
    const pid = await pidOf(env, 'node-3');
    expect(await nodeAnswer(portOf('node-3'))).toBe('200');

    expect(await actuator.apply(drill.method[0]!)).toMatchObject({ ok: true, faultActive: true });
    expect(await nodeAnswer(portOf('node-3'))).toBe('TimeoutError');
    expect(await nodeAnswer(portOf('node-1'))).toBe('200');
    expect(isAlive(pid)).toBe(true);

    expect(await actuator.apply(drill.method[1]!)).toMatchObject({ ok: true, faultActive: false });
    expect(await nodeAnswer(portOf('node-3'))).toBe('200');
    expect(await ourChains()).toEqual([]);
  });

  it('rollback undoes everything the drill left applied: rules, a partition, a stopped node', async () => {
    const drill = sampleDrill([
      { action: 'rules', rules: [SLOW_PUTS] },
      { action: 'partition_node', node: 'node-3' },
      { action: 'stop_node', node: 'node-1' },
    ]);
    const actuator = createActuator(drill, target, 'stack-rollback', () => undefined);
    for (const step of drill.method)
      expect(await actuator.apply(step)).toMatchObject({ ok: true, faultActive: true });
    expect(await nodeAnswer(portOf('node-1'))).not.toBe('200');

    const lines = await actuator.rollback();
    expect(lines).toHaveLength(3);
    expect(lines.join('\n')).not.toContain('could NOT');
    expect(await nodeAnswer(portOf('node-3'))).toBe('200');
    expect(await nodeAnswer(portOf('node-1'))).toBe('200');
    expect((await faults.listRules()).filter((rule) => rule.scenario === actuator.scenario)).toEqual([]);
  });

  it('a runner killed with SIGKILL mid-drill leaves a partition and a rule; cleanupLeftovers heals the port and removes the rule', async () => {
    const drill = sampleDrill([
      { action: 'partition_node', node: 'node-3' },
      { action: 'rules', rules: [SLOW_PUTS] },
    ]);
    const { outcomes } = await applyThenCrash({ drill, target, runId: 'stack-crash' });
    expect(outcomes).toMatchObject([{ ok: true }, { ok: true }]);
    // The runner is gone; what it applied is not.
    expect(await nodeAnswer(portOf('node-3'))).toBe('TimeoutError');
    expect((await faults.listRules()).map((rule) => rule.scenario)).toContain('drill-stack-crash');

    const lines = await cleanupLeftovers(() => undefined);
    expect(lines.join('\n')).toContain('node-3 healed');
    expect(await nodeAnswer(portOf('node-3'))).toBe('200');
    expect((await faults.listRules()).map((rule) => rule.scenario)).not.toContain('drill-stack-crash');
    expect(await ourChains()).toEqual([]);
    expect((await run('nft', ['list', 'tables'], 10_000)).output).not.toContain(NFT_TABLE);
  });
});
