/**
 * Resident memory and CPU time of a target's whole process tree (a server and any process it
 * started), read from /proc as `ps` would: the sums of VmRSS and of user + system time over the
 * tree. CPU time per request is steadier than requests per second on a shared machine: another
 * process's load slows a server down but does not make its requests cost more CPU (caches aside).
 * Linux only; elsewhere NaN.
 */
import { readdir, readFile } from 'node:fs/promises';

const SAMPLE_EVERY_MS = 500;

async function parentOf(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // The command name (field 2) may hold spaces and parentheses: fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[1]);
}

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime, fields 14 and 15 of the line (11 and 12 after the command name).
  return Number(fields[11]) + Number(fields[12]);
}

async function residentKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return match === null ? 0 : Number(match[1]);
}

/** The pids of `root` and every descendant alive now. */
async function processTree(root: number): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const children = new Map<number, number[]>();
  await Promise.all(
    entries
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        const pid = Number(name);
        const parent = await parentOf(pid);
        if (parent === undefined) return;
        const siblings = children.get(parent) ?? [];
        siblings.push(pid);
        children.set(parent, siblings);
      }),
  );
  const tree: number[] = [];
  for (const queue = [root]; queue.length > 0; ) {
    const pid = queue.pop()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** Resident MiB of the process tree rooted at `pid` now; NaN when it is not running (or no /proc). */
export async function treeResidentMiB(pid: number | undefined): Promise<number> {
  if (pid === undefined || (await parentOf(pid)) === undefined) return Number.NaN;
  const tree = await processTree(pid);
  const kib = await Promise.all(tree.map(residentKiB));
  return kib.reduce((sum, value) => sum + value, 0) / 1024;
}

/** CPU seconds (user + system, every thread) the tree rooted at `pid` has used; NaN when it is not running. */
export async function treeCpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined || (await parentOf(pid)) === undefined) return Number.NaN;
  const tree = await processTree(pid);
  const ticks = await Promise.all(tree.map(cpuTicks));
  return ticks.reduce((sum, value) => sum + value, 0) / TICKS_PER_SECOND;
}

/** Samples a tree's resident memory until stopped; `stop()` resolves with the largest sample (MiB). */
export function samplePeakResident(pid: number | undefined): { stop(): Promise<number> } {
  let peak = Number.NaN;
  let sampling: Promise<void> = Promise.resolve();
  const sample = () => {
    sampling = treeResidentMiB(pid).then((mib) => {
      if (Number.isFinite(mib) && !(mib <= peak)) peak = mib;
    });
  };
  sample();
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  return {
    async stop() {
      clearInterval(timer);
      await sampling;
      return peak;
    },
  };
}
