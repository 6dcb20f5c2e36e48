/**
 * What is at `--target` and `--admin` before any load (DRILLS.md "Commands"): an S3 endpoint must
 * answer; the control plane may; the mode decides which actions are possible (stack mode: the
 * storage nodes are worker processes whose pid files this machine holds); and whether this runner
 * may make a real network partition (root, and nftables works).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendControl } from '../../cli/control-client.js';
import { DrillFileError, type TargetInfo } from '../types.js';
import { nftWorks } from './partition.js';
import { isAlive, pidFromFile } from './processes.js';

/** A ListBuckets or a control request that takes longer than this counts as no answer. */
const ANSWER_TIMEOUT_MS = 3_000;
/** The run dir of `npm run stack` in this checkout (scripts/stack.sh's default). */
const DEFAULT_RUN_DIR = fileURLToPath(new URL('../../../.data/stack/run', import.meta.url));

export interface InspectOptions {
  readonly target: string;
  readonly admin?: string;
  /** Where the stack's pid files are (`--run-dir`); else MOCK_S3_RUN_DIR, else `.data/stack/run`. */
  readonly runDir?: string;
  /** The environment MOCK_S3_RUN_DIR is read from (the CLI's; default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Inspects the target.
 * @throws DrillFileError('--target') when no S3 endpoint answers there.
 */
export async function inspectTarget(options: InspectOptions): Promise<TargetInfo> {
  await requireS3(options.target);
  const admin = options.admin === undefined ? undefined : await controlPlane(options.admin);
  const nodes = admin === undefined ? [] : await storageNodes(admin);
  const env = options.env ?? process.env;
  const runDir = options.runDir ?? env.MOCK_S3_RUN_DIR ?? DEFAULT_RUN_DIR;
  const urls = nodes.length > 0 && nodes.every((node) => node.address?.startsWith('http') === true);
  const workersHere = urls && nodes.some((node) => workerAlive(runDir, node.id));
  const mode: TargetInfo['mode'] = workersHere
    ? 'stack'
    : admin !== undefined && !urls
      ? 'embedded'
      : 'unknown';
  return {
    target: options.target,
    ...(admin === undefined ? {} : { admin }),
    mode,
    nodes,
    ...(mode === 'stack' ? { runDir } : {}),
    canPartition: await nftWorks(),
  };
}

/** A ListBuckets (`GET /`) must get an S3 answer: the bucket list, or an S3 error document. */
async function requireS3(target: string): Promise<void> {
  let url: URL;
  try {
    url = new URL('/', target);
  } catch {
    throw new DrillFileError('--target', `not a URL: ${target}`);
  }
  let why: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
    const body = await response.text();
    if (/<ListAllMyBucketsResult|<Error>/.test(body)) return;
    why = `it answered ${response.status} without an S3 document`;
  } catch (error) {
    why =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${ANSWER_TIMEOUT_MS / 1000} s`
        : String((error as Error).cause ?? (error as Error).message);
  }
  throw new DrillFileError('--target', `no S3 endpoint answers at ${target}: ${why}`);
}

/** The control plane's URL when it answers (`/api/v1/injection/status`), else undefined. */
async function controlPlane(admin: string): Promise<string | undefined> {
  try {
    await sendControl(admin, { method: 'GET', path: '/status' }, AbortSignal.timeout(ANSWER_TIMEOUT_MS));
    return admin;
  } catch {
    return undefined;
  }
}

async function storageNodes(admin: string): Promise<TargetInfo['nodes']> {
  try {
    const answer = (await sendControl(
      admin,
      { method: 'GET', path: '/api/v1/storage/nodes' },
      AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    )) as { nodes?: { id: string; address?: string }[] };
    return (answer.nodes ?? []).map((node) => ({
      id: node.id,
      ...(node.address === undefined ? {} : { address: node.address }),
    }));
  } catch {
    return [];
  }
}

function workerAlive(runDir: string, node: string): boolean {
  if (!existsSync(join(runDir, `${node}.pid`))) return false;
  const pid = pidFromFile(runDir, node);
  return pid !== undefined && isAlive(pid);
}
