/**
 * Resident memory of a target's whole process tree (a server and any process it started), read
 * from /proc as `ps` would: the sum of VmRSS over the tree. Linux only; elsewhere NaN.
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
