/**
 * A real network partition (ARCHITECTURE.md "A real network partition"): nftables rules of our own
 * table drop every TCP packet to and from a storage node's port, so connections to it hang and
 * time out the way they do when a network splits. Not an application-level fake. One chain pair
 * per partitioned node, named after the runner that made it (pid and start ticks), so a later run
 * can tell a crashed runner's chains from a live runner's.
 */
import { spawn } from 'node:child_process';
import { isIP } from 'node:net';
import { isSameProcessAlive, startTicks } from './processes.js';

/** Our own table: nothing else of the machine's firewall is touched. */
export const NFT_TABLE = 'mock_s3_drill';
const FAMILY = 'inet';

/** Runs `nft` with `script` on stdin (one atomic batch); resolves with its output. */
export function nft(
  args: readonly string[],
  script?: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('nft', [...args, ...(script === undefined ? [] : ['-f', '-'])], {
      stdio: [script === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.on('error', (error) => resolve({ code: null, output: error.message }));
    child.on('close', (code) => resolve({ code, output }));
    // nft that fails early closes its stdin: the close event tells, not an EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(script);
  });
}

/** Whether this process may add kernel packet filters: root, and `nft list tables` works. */
export async function nftWorks(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  return (await nft(['list', 'tables'])).code === 0;
}

/** The chain name of a partition of `node` by this process. */
export function partitionChain(node: string, pid = process.pid): string {
  return `drill_${pid}_${startTicks(pid) ?? 0}_${node.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** Host and port of a node address such as `http://127.0.0.1:7201`. */
export function hostPort(address: string): { host: string; port: number } {
  const url = new URL(address);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
}

/** The nft batch that drops TCP to and from `address` (output covers loopback; input the rest). */
export function partitionScript(chain: string, address: string): string {
  const { host, port } = hostPort(address);
  const ipVersion = isIP(host);
  const to = ipVersion === 4 ? `ip daddr ${host} ` : ipVersion === 6 ? `ip6 daddr ${host} ` : '';
  const from = ipVersion === 4 ? `ip saddr ${host} ` : ipVersion === 6 ? `ip6 saddr ${host} ` : '';
  const lines = [`add table ${FAMILY} ${NFT_TABLE}`];
  for (const [suffix, hook] of [
    ['out', 'output'],
    ['in', 'input'],
  ] as const) {
    const name = `${chain}_${suffix}`;
    lines.push(
      `add chain ${FAMILY} ${NFT_TABLE} ${name} { type filter hook ${hook} priority -10; policy accept; }`,
      `add rule ${FAMILY} ${NFT_TABLE} ${name} ${to}tcp dport ${port} drop`,
      `add rule ${FAMILY} ${NFT_TABLE} ${name} ${from}tcp sport ${port} drop`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Partitions the node at `address`: from now on the kernel drops its packets. */
export async function partition(chain: string, address: string): Promise<void> {
  const result = await nft([], partitionScript(chain, address));
  if (result.code !== 0) throw new Error(`nft refused the partition: ${result.output.trim()}`);
}

/** The chains of our table (empty when the table does not exist). */
export async function ourChains(): Promise<string[]> {
  const result = await nft(['list', 'table', FAMILY, NFT_TABLE]);
  if (result.code !== 0) return [];
  return [...result.output.matchAll(/^\s*chain (\S+) \{/gm)].map((match) => match[1]!);
}

/** Removes a partition's chains, and our table once it holds no chain. Idempotent. */
export async function heal(chain: string): Promise<void> {
  const chains = await ourChains();
  const mine = chains.filter((name) => name === `${chain}_out` || name === `${chain}_in`);
  const script = mine.map(
    (name) => `flush chain ${FAMILY} ${NFT_TABLE} ${name}\ndelete chain ${FAMILY} ${NFT_TABLE} ${name}`,
  );
  if (mine.length > 0) {
    const result = await nft([], `${script.join('\n')}\n`);
    if (result.code !== 0) throw new Error(`nft could not heal ${chain}: ${result.output.trim()}`);
  }
  await deleteTableIfEmpty();
}

async function deleteTableIfEmpty(): Promise<void> {
  const chains = await ourChains();
  if (chains.length === 0) await nft(['delete', 'table', FAMILY, NFT_TABLE]);
}

/**
 * Removes the chains of runners that are gone (their pid and start ticks no longer name a live
 * process), and the table when no chain is left. Chains of a live runner stay. Returns what it removed.
 */
export async function healOrphanPartitions(): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await ourChains()) {
    const match = /^drill_(\d+)_(\d+)_/.exec(name);
    if (match !== null && isSameProcessAlive(Number(match[1]), Number(match[2]) || undefined)) continue;
    const result = await nft(
      [],
      `flush chain ${FAMILY} ${NFT_TABLE} ${name}\ndelete chain ${FAMILY} ${NFT_TABLE} ${name}\n`,
    );
    if (result.code === 0) removed.push(name);
  }
  await deleteTableIfEmpty();
  return removed;
}
