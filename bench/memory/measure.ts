/**
 * The memory bench: the idle RSS of `npm start`'s server, and how far its peak RSS rises during a
 * 1 GiB PUT, a 1 GiB GET and 16 concurrent 100 MiB PUTs, against the goals of issue 16.
 *
 * Each step runs on a server started for it over the same data directory (the GET reads what the
 * PUT wrote): memory a step took and did not give back to the OS would otherwise hide the next
 * step's rise. A step's rise is its peak minus the RSS just before it. Idle RSS is read twice: on
 * the first start (a new data directory, PGlite runs initdb) and on a restart (as `npm start` runs
 * most days, over its existing `.data`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedServer, startEmbeddedServer } from './embedded-server.js';
import { residentBytes, watchPeak } from './process-memory.js';
import { benchClient, createBucket, GIB, getDrained, MIB, putGenerated } from './workloads.js';

/** The steps after the idle readings; all by default. */
export const MEMORY_STEPS = ['put-1gib', 'get-1gib', 'put-16x100mib'] as const;
export type MemoryStepName = (typeof MEMORY_STEPS)[number];

/** Goals of issue 16 (bytes): idle RSS, and the peak rise of each step. */
export const MEMORY_GOALS = {
  idle: 250 * 1000 * 1000,
  'put-1gib': 64 * MIB,
  'get-1gib': 64 * MIB,
  'put-16x100mib': 256 * MIB,
} as const satisfies Record<'idle' | MemoryStepName, number>;

export interface MemoryStepResult {
  readonly name: MemoryStepName;
  /** RSS just before the step (the server idle, settled). */
  readonly beforeBytes: number;
  readonly peakBytes: number;
  readonly riseBytes: number;
  readonly seconds: number;
}

export interface MemoryReport {
  /** Idle RSS on the first start, over a new data directory. */
  readonly idleFirstStartBytes: number;
  /** Idle RSS on a restart over that directory (the bucket in it, nothing else). */
  readonly idleRestartBytes: number;
  readonly steps: readonly MemoryStepResult[];
  /** Processes the servers had started (their memory is not in the figures above). */
  readonly childProcesses: number;
}

export interface MemoryOptions {
  /** Added to the server's environment. */
  readonly env?: Record<string, string>;
  /** How long a server sits idle after it is healthy before its RSS is read. Default 5 s. */
  readonly settleMs?: number;
  readonly steps?: readonly MemoryStepName[];
  readonly progress?: (message: string) => void;
}

const BUCKET = 'bench-memory';

/** Starts the servers over a new data directory, measures them, stops them, removes the directory. */
export async function measureMemory(options: MemoryOptions = {}): Promise<MemoryReport> {
  const progress = options.progress ?? (() => undefined);
  const settleMs = options.settleMs ?? 5_000;
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-memory-'));
  let childProcesses = 0;
  /** Runs `use` on a server of its own, started over `dataDir` and idle for `settleMs`. */
  const withServer = async <T>(use: (server: EmbeddedServer, idleBytes: number) => Promise<T>) => {
    const server = await startEmbeddedServer(dataDir, options.env);
    try {
      await sleep(settleMs);
      const result = await use(server, await idleResident(server.pid));
      childProcesses = Math.max(childProcesses, (await server.childPids()).length);
      return result;
    } finally {
      await server.stop();
    }
  };
  try {
    const idleFirstStartBytes = await withServer(async (server, idleBytes) => {
      const client = benchClient(server.endpoint);
      await createBucket(client, BUCKET).finally(() => client.destroy());
      return idleBytes;
    });
    progress(`idle RSS, first start: ${mb(idleFirstStartBytes)}`);
    const idleRestartBytes = await withServer(async (_server, idleBytes) => idleBytes);
    progress(`idle RSS, restart: ${mb(idleRestartBytes)}`);
    const steps: MemoryStepResult[] = [];
    for (const name of options.steps ?? MEMORY_STEPS) {
      const result = await withServer((server) => measureStep(server, name));
      progress(
        `${name}: peak ${mb(result.peakBytes)}, rise ${mib(result.riseBytes)} in ${result.seconds.toFixed(1)} s`,
      );
      steps.push(result);
    }
    return { idleFirstStartBytes, idleRestartBytes, steps, childProcesses };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function runStep(name: MemoryStepName, client: ReturnType<typeof benchClient>): Promise<void> {
  switch (name) {
    case 'put-1gib':
      return putGenerated(client, BUCKET, 'one-gib', GIB);
    case 'get-1gib': {
      const bytes = await getDrained(client, BUCKET, 'one-gib');
      if (bytes !== GIB) throw new Error(`GET returned ${bytes} bytes, not ${GIB} (run put-1gib first)`);
      return;
    }
    case 'put-16x100mib':
      await Promise.all(
        Array.from({ length: 16 }, (_, index) =>
          putGenerated(client, BUCKET, `hundred-mib-${index}`, 100 * MIB),
        ),
      );
  }
}

async function measureStep(server: EmbeddedServer, name: MemoryStepName): Promise<MemoryStepResult> {
  const client = benchClient(server.endpoint);
  const beforeBytes = await residentBytes(server.pid);
  const watch = await watchPeak(server.pid);
  const started = performance.now();
  try {
    await runStep(name, client);
  } catch (error) {
    await watch.stop();
    throw error;
  } finally {
    client.destroy();
  }
  const peakBytes = await watch.stop();
  return {
    name,
    beforeBytes,
    peakBytes,
    riseBytes: peakBytes - beforeBytes,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The median of five readings a tenth of a second apart (a timer firing may add a little). */
async function idleResident(pid: number): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    readings.push(await residentBytes(pid));
    await sleep(100);
  }
  return readings.sort((a, b) => a - b)[2]!;
}

/** A Markdown table of the report beside the goals. */
export function renderMemoryTable(report: MemoryReport): string {
  const met = (value: number, goal: number) => (value <= goal ? 'yes' : 'no');
  const rows = [
    '| measure | RSS | goal | met |',
    '|---|---:|---:|:---:|',
    `| idle RSS, first start | ${mb(report.idleFirstStartBytes)} | ≤ ${mb(MEMORY_GOALS.idle)} | ${met(report.idleFirstStartBytes, MEMORY_GOALS.idle)} |`,
    `| idle RSS, restart | ${mb(report.idleRestartBytes)} | ≤ ${mb(MEMORY_GOALS.idle)} | ${met(report.idleRestartBytes, MEMORY_GOALS.idle)} |`,
  ];
  for (const step of report.steps) {
    const goal = MEMORY_GOALS[step.name];
    rows.push(
      `| ${step.name}: peak rise (from ${mb(step.beforeBytes)} to ${mb(step.peakBytes)}) | ${mib(step.riseBytes)} | ≤ ${mib(goal)} | ${met(step.riseBytes, goal)} |`,
    );
  }
  return rows.join('\n');
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(0)} MiB`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
