/**
 * The leftovers registry: every undoable thing a drill applies is written here BEFORE it is applied
 * and struck off once undone, so a runner that crashes or is killed (kill -9, a lost terminal)
 * leaves a record a later run or `mock-s3 drill cleanup` can undo. One file per runner and run
 * (`<pid>-<runId>.json`), so concurrent runners never write the same file.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceName } from '../types.js';
import type { Launch } from './processes.js';
import { startTicks } from './processes.js';

/** One thing to undo. */
export type UndoEntry =
  /** The drill's rules (all tagged with `scenario`). */
  | { readonly kind: 'rules'; readonly admin: string; readonly scenario: string }
  /** The drill gave its bucket an origin (`PUT /api/v1/origins/{bucket}`): remove it. */
  | { readonly kind: 'origin'; readonly admin: string; readonly bucket: string }
  /** The drill pulled the kill switch: release it. */
  | { readonly kind: 'engine'; readonly admin: string }
  /** An nftables chain of ours dropping a node's packets. */
  | { readonly kind: 'partition'; readonly node: string; readonly chain: string }
  /** A storage-node worker the drill stopped: start it again as it was started. */
  | {
      readonly kind: 'node';
      readonly node: string;
      readonly runDir: string;
      readonly launch?: Launch;
      readonly address?: string;
      readonly admin?: string;
    }
  /** A backend the drill stopped. */
  | {
      readonly kind: 'service';
      readonly service: ServiceName;
      readonly runDir: string;
      readonly start: ServiceStart;
    };

/** How to start a stopped backend again. */
export type ServiceStart =
  | {
      readonly via: 'pg_ctlcluster';
      readonly version: string;
      readonly cluster: string;
      readonly port: number;
    }
  | { readonly via: 'redis-server'; readonly port: number }
  | { readonly via: 'etcd-up'; readonly port: number; readonly peerPort: number };

export interface RegistryFile {
  readonly pid: number;
  readonly startTicks?: number;
  readonly runId: string;
  readonly entries: readonly UndoEntry[];
}

/** Where the registry files live (machine-wide: a later runner must find them). */
export function registryDir(): string {
  return join(tmpdir(), 'mock-s3-drill-leftovers');
}

/** Stable identity of an entry, to strike it off. */
export function entryKey(entry: UndoEntry): string {
  switch (entry.kind) {
    case 'rules':
      return `rules:${entry.scenario}`;
    case 'origin':
      return `origin:${entry.admin}:${entry.bucket}`;
    case 'engine':
      return `engine:${entry.admin}`;
    case 'partition':
      return `partition:${entry.chain}`;
    case 'node':
      return `node:${entry.runDir}:${entry.node}`;
    case 'service':
      return `service:${entry.service}:${entry.runDir}`;
  }
}

/** The registry of one run of this process. */
export interface RunRegistry {
  add(entry: UndoEntry): void;
  remove(entry: UndoEntry): void;
  entries(): readonly UndoEntry[];
}

/** Opens the registry file of this process's run `runId` (created on the first entry). */
export function openRunRegistry(runId: string, dir = registryDir()): RunRegistry {
  const file = join(dir, `${process.pid}-${runId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
  const ticks = startTicks(process.pid);
  const live = new Map<string, UndoEntry>();
  const save = (): void => {
    if (live.size === 0) {
      rmSync(file, { force: true });
      return;
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const body: RegistryFile = {
      pid: process.pid,
      ...(ticks === undefined ? {} : { startTicks: ticks }),
      runId,
      entries: [...live.values()],
    };
    // Written whole then renamed: a crash mid-write leaves the previous registry, never half of one.
    writeFileSync(`${file}.tmp`, JSON.stringify(body, null, 2), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  };
  return {
    add(entry) {
      live.set(entryKey(entry), entry);
      save();
    },
    remove(entry) {
      if (live.delete(entryKey(entry))) save();
    },
    entries: () => [...live.values()],
  };
}

/** Every registry file in `dir`, with its path (unreadable files are skipped). */
export function readRegistryFiles(dir = registryDir()): { path: string; file: RegistryFile }[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const files: { path: string; file: RegistryFile }[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      files.push({ path, file: JSON.parse(readFileSync(path, 'utf8')) as RegistryFile });
    } catch {
      // A file being renamed into place or foreign: not ours to judge.
    }
  }
  return files;
}
