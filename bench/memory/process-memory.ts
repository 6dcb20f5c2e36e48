/**
 * Resident memory of a process, read from Linux's /proc: the current RSS (VmRSS), and the peak over
 * a span of time. The peak is the larger of two measures: the kernel's high-water mark (VmHWM),
 * reset at the start of the span by writing "5" to /proc/<pid>/clear_refs, and samples every
 * 20 ms (enough on their own when the reset is refused, e.g. another user's process).
 */
import { readFile, writeFile } from 'node:fs/promises';

const SAMPLE_INTERVAL_MS = 20;

/** One field of /proc/<pid>/status in bytes (the kernel reports kB). */
async function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]) * 1024;
}

/** The resident set of `pid` now, in bytes. */
export function residentBytes(pid: number): Promise<number> {
  return statusBytes(pid, 'VmRSS');
}

/** Sets the kernel's high-water mark back to the current RSS; false when the kernel refuses. */
async function resetPeak(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** A span of time over which the peak RSS of one process is tracked. */
export interface PeakWatch {
  /** Stops watching; the largest RSS seen since the watch started, in bytes. */
  stop(): Promise<number>;
}

/** Starts tracking the peak RSS of `pid` from now on. */
export async function watchPeak(pid: number): Promise<PeakWatch> {
  const kernelPeak = await resetPeak(pid);
  let sampledPeak = await residentBytes(pid);
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampling.then(async () => {
      sampledPeak = Math.max(sampledPeak, await residentBytes(pid).catch(() => 0));
    });
  }, SAMPLE_INTERVAL_MS);
  return {
    async stop() {
      clearInterval(timer);
      await sampling;
      const last = await residentBytes(pid);
      const peak = kernelPeak ? await statusBytes(pid, 'VmHWM') : 0;
      return Math.max(sampledPeak, last, peak);
    },
  };
}
