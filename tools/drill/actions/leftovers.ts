/**
 * Undoes what crashed or killed runners left applied (DRILLS.md: rollback even on a crash; a later
 * run or `mock-s3 drill cleanup` removes leftovers): the entries of every registry file whose runner
 * is gone, then any nftables chain of ours whose runner is gone. A live runner's entries and chains
 * are never touched.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { ControlApiError } from '../../cli/control-client.js';
import { healOrphanPartitions } from './partition.js';
import { isSameProcessAlive } from './processes.js';
import { undoEntry } from './undo.js';
import { readRegistryFiles, registryDir, type UndoEntry } from './undo-registry.js';

/** Network and backends first, then nodes, then rules, origins and the kill switch (as rollback does). */
const UNDO_ORDER: readonly UndoEntry['kind'][] = [
  'partition',
  'service',
  'node',
  'rules',
  'origin',
  'engine',
];

/**
 * Undoes the leftovers of runners that are no longer alive; resolves with a line per thing undone
 * (or that could not be: it stays in the registry for the next try). Never throws.
 */
export async function cleanupLeftovers(
  log: (line: string) => void,
  options: { dir?: string } = {},
): Promise<readonly string[]> {
  const lines: string[] = [];
  const say = (line: string): void => {
    lines.push(line);
    log(`[drill] cleanup: ${line}`);
  };
  for (const { path, file } of readRegistryFiles(options.dir ?? registryDir())) {
    if (isSameProcessAlive(file.pid, file.startTicks)) continue;
    const entries = [...file.entries].sort((a, b) => UNDO_ORDER.indexOf(a.kind) - UNDO_ORDER.indexOf(b.kind));
    const left: UndoEntry[] = [];
    for (const entry of entries) {
      try {
        say(`run ${file.runId} (pid ${file.pid}, gone): ${await undoEntry(entry, { controlAttempts: 1 })}`);
      } catch (error) {
        const gone = vanished(entry, error);
        if (gone === undefined) left.push(entry);
        say(
          `run ${file.runId} (pid ${file.pid}, gone): ${gone ?? `could NOT undo ${entry.kind}: ${(error as Error).message}`}`,
        );
      }
    }
    if (left.length === 0) rmSync(path, { force: true });
    else writeFileSync(path, JSON.stringify({ ...file, entries: left }, null, 2), { mode: 0o600 });
  }
  try {
    for (const chain of await healOrphanPartitions())
      say(`removed nftables chain ${chain} of a runner that is gone`);
  } catch (error) {
    say(`could not inspect the nftables table: ${(error as Error).message}`);
  }
  return lines;
}

/**
 * Whether an entry that could not be undone went away with what it was applied to, so keeping it
 * would only fail again on every later cleanup: rules and the kill switch of a control plane that
 * no longer listens (a stopped server; rules also expire by their TTL), nodes and backends of a
 * run dir that no longer exists. Says why; undefined when the entry must be kept and tried again.
 */
function vanished(entry: UndoEntry, error: unknown): string | undefined {
  const unreachable = error instanceof ControlApiError && error.status === undefined;
  if ((entry.kind === 'rules' || entry.kind === 'engine' || entry.kind === 'origin') && unreachable) {
    return `dropped ${entry.kind} of ${entry.admin}: no control plane listens there any more (rules also expire by their TTL)`;
  }
  if ((entry.kind === 'node' || entry.kind === 'service') && !existsSync(entry.runDir)) {
    return `dropped ${entry.kind} of ${entry.runDir}: that run dir no longer exists`;
  }
  return undefined;
}
