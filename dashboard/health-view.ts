import { byId, el, formatBytes, setPill } from './dom.js';
import type { NodesAnswer, QueueStats, StatsAnswer } from './views.js';

/** One part of the system and how it is. */
export interface PartHealth {
  name: string;
  state: 'ok' | 'bad' | 'warn';
  detail: string;
}

export function renderHealth(parts: readonly PartHealth[]): void {
  byId('health-list').replaceChildren(
    ...parts.map((part) =>
      el(
        'li',
        { 'data-part': part.name },
        el('span', { class: `pill ${part.state}` }, part.name),
        ' ',
        el('span', { class: 'muted' }, part.detail),
      ),
    ),
  );
  const worst = parts.some((p) => p.state === 'bad')
    ? 'bad'
    : parts.some((p) => p.state === 'warn')
      ? 'warn'
      : 'ok';
  setPill(
    byId('overall'),
    worst === 'ok' ? 'all parts up' : worst === 'warn' ? 'degraded' : 'part down',
    worst,
  );
  byId('updated').textContent = `updated ${new Date().toLocaleTimeString([], { hour12: false })}`;
}

/**
 * The nodes table. Replicas to repair is an estimate: the blobs a node held when it was last seen
 * healthy, for each node down now (a node's replicas need repair once it is lost).
 */
export function renderNodes(answer: NodesAnswer, lastBlobs: Map<string, number>): void {
  for (const node of answer.nodes)
    if (node.healthy && node.blobs !== undefined) lastBlobs.set(node.id, node.blobs);
  const down = answer.nodes.filter((node) => !node.healthy);
  const toRepair = down.reduce((sum, node) => sum + (lastBlobs.get(node.id) ?? 0), 0);
  byId('nodes-summary').textContent =
    `${answer.nodes.length - down.length} of ${answer.nodes.length} up · ${answer.replicas} replicas per blob · ` +
    `replicas to repair: ${down.length === 0 ? 0 : `~${toRepair}`}`;
  byId('nodes-body').replaceChildren(
    ...answer.nodes.map((node) =>
      el(
        'tr',
        { 'data-node': node.id },
        el('td', {}, node.id),
        el(
          'td',
          {},
          el('span', { class: `pill ${node.healthy ? 'ok' : 'bad'}` }, node.healthy ? 'up' : 'down'),
        ),
        el('td', {}, node.blobs === undefined ? '–' : String(node.blobs)),
        el('td', {}, node.bytes === undefined ? '–' : formatBytes(node.bytes)),
      ),
    ),
  );
}

export function renderQueue(queue: QueueStats): void {
  byId('queue-pending').textContent = String(queue.pending);
  byId('queue-lag').textContent =
    queue.lagMs < 1000 ? `${Math.round(queue.lagMs)} ms` : `${(queue.lagMs / 1000).toFixed(1)} s`;
  byId('queue-dead').textContent = String(queue.deadLetters);
}

/** The parts' health from what the last poll could read (a failed read is that part down). */
export function partsHealth(read: {
  ready: boolean | Error;
  stats: StatsAnswer | Error | undefined;
  nodes: NodesAnswer | Error;
  instances: number;
}): PartHealth[] {
  const parts: PartHealth[] = [];
  parts.push(
    read.ready instanceof Error
      ? { name: 'control plane', state: 'bad', detail: read.ready.message }
      : {
          name: 'control plane',
          state: read.ready ? 'ok' : 'warn',
          detail: read.ready ? 'ready' : 'starting',
        },
  );
  if (read.stats instanceof Error) {
    parts.push({ name: 'metadata', state: 'bad', detail: read.stats.message });
  } else if (read.stats !== undefined) {
    const { stats } = read;
    parts.push({
      name: 'metadata',
      state: 'ok',
      detail: `${stats.buckets} buckets, ${stats.objectsExact ? '' : '≥'}${stats.objects} objects`,
    });
    const lagging = stats.queue.deadLetters > 0 || stats.queue.lagMs > 30_000;
    parts.push({
      name: 'task queue',
      state: lagging ? 'warn' : 'ok',
      detail: `${stats.queue.pending} pending, ${stats.queue.deadLetters} dead`,
    });
  }
  if (read.nodes instanceof Error) {
    parts.push({ name: 'storage nodes', state: 'bad', detail: read.nodes.message });
  } else {
    const up = read.nodes.nodes.filter((node) => node.healthy).length;
    const total = read.nodes.nodes.length;
    parts.push({
      name: 'storage nodes',
      state: up === total ? 'ok' : up >= read.nodes.replicas ? 'warn' : 'bad',
      detail: `${up} of ${total} up`,
    });
  }
  parts.push({
    name: 'metrics',
    state: read.instances > 0 ? 'ok' : 'warn',
    detail: `${read.instances} instance${read.instances === 1 ? '' : 's'} sampled`,
  });
  return parts;
}
