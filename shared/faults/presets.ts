/**
 * Built-in scenario templates (FAULTS.md, Control). Activating one materialises its rules, tagged
 * with the preset's name as scenario, with stable ids (`<preset>.<part>`) so activating twice
 * replaces rather than duplicates.
 */

export interface PresetOptions {
  /** TTL of the materialised rules (default: the rule default, 15m). */
  ttl?: string;
  /** The storage node that suffers, for node-loss, disk-full and corruption (default `node-1`). */
  node?: string;
  /** Seed of every rule, to replay a run (default: derived from each rule id). */
  seed?: number | string;
  /** The local bucket whose origin suffers, for the origin presets (a glob; default: every bucket). */
  bucket?: string;
}

export interface Preset {
  name: PresetName;
  description: string;
  /** Which of {@link PresetOptions} the preset uses. */
  options: readonly (keyof PresetOptions)[];
  /** Canonical rule bodies, before validation. */
  rules(options: PresetOptions): Record<string, unknown>[];
}

export const PRESET_NAMES = [
  'flaky-network',
  'slow-disk',
  'node-loss',
  'throttling',
  'disk-full',
  'corruption',
  'queue-chaos',
  'origin-outage',
  'origin-slow',
  'origin-dirty',
] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

const DEFAULT_NODE = 'node-1';
const NODE_POINTS = ['node.read', 'node.write', 'node.delete'] as const;

/** Common fields of every rule of a preset. */
function rule(preset: PresetName, part: string, options: PresetOptions, body: Record<string, unknown>) {
  return {
    id: `${preset}.${part}`,
    name: `${preset} ${part}`,
    scenario: preset,
    ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...body,
  };
}

const GET_OBJECT = 'GET /:bucket/:key';

/** The `match` of an origin preset's rule at `point`, scoped to `options.bucket` when given. */
function originMatch(point: 'origin.fetch.before' | 'origin.fetch.after', options: PresetOptions) {
  return { service: 'origin', point, ...(options.bucket === undefined ? {} : { bucket: options.bucket }) };
}

export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  'flaky-network': {
    name: 'flaky-network',
    description:
      'TCP resets (2%) and truncated bodies (2%) on object GETs at the client socket, and 100 ms ± 50 ms latency on 10% of GETs.',
    options: ['ttl', 'seed'],
    rules: (o) => [
      rule('flaky-network', 'reset', o, {
        match: { service: 'gateway', point: 'gateway.socket', endpoint: GET_OBJECT },
        fault: { type: 'reset', afterBytes: 0 },
        rate: 0.02,
      }),
      rule('flaky-network', 'truncate', o, {
        match: { service: 'gateway', point: 'gateway.socket', endpoint: GET_OBJECT },
        fault: { type: 'truncate', afterBytes: 512 },
        rate: 0.02,
      }),
      rule('flaky-network', 'latency', o, {
        match: { service: 's3-api', point: 'http.server', endpoint: 'GET /*' },
        fault: { type: 'latency', ms: 100, jitterMs: 50 },
        rate: 0.1,
      }),
    ],
  },
  'slow-disk': {
    name: 'slow-disk',
    description: '200 ms of I/O latency on every disk read and write of every storage node.',
    options: ['ttl', 'seed'],
    rules: (o) =>
      (['node.read', 'node.write'] as const).map((point) =>
        rule('slow-disk', point.slice(5), o, {
          match: { service: 'storage-node', point },
          fault: { type: 'io_latency', ms: 200 },
        }),
      ),
  },
  'node-loss': {
    name: 'node-loss',
    description: 'One storage node stops answering (reads, writes and deletes); its lease lapses.',
    options: ['ttl', 'seed', 'node'],
    rules: (o) =>
      NODE_POINTS.map((point) =>
        rule('node-loss', point.slice(5), o, {
          match: { service: 'storage-node', point, node: o.node ?? DEFAULT_NODE },
          fault: { type: 'node_down' },
        }),
      ),
  },
  throttling: {
    name: 'throttling',
    description: 'Above 10 requests per second per key prefix, S3 requests get SlowDown (503).',
    options: ['ttl', 'seed'],
    rules: (o) => [
      rule('throttling', 'per-prefix', o, {
        match: { service: 's3-api', point: 'http.server' },
        fault: { type: 'throttle', rps: 10, per: 'prefix' },
      }),
    ],
  },
  'disk-full': {
    name: 'disk-full',
    description:
      'Every storage node is full: S3 writes that store bytes (PutObject, UploadPart, UploadPartCopy, CopyObject) get 507 StorageFull; reads, deletes and CompleteMultipartUpload (which joins parts already stored) go on. With `node`, only that node is full and writes go to the others.',
    options: ['ttl', 'seed', 'node'],
    // One full node alone is invisible to a client (its writes go to the next ranked node), so by
    // default every node is full: that is what answers 507.
    rules: (o) => [
      rule('disk-full', 'capacity', o, {
        match: {
          service: 'storage-node',
          point: 'node.write',
          ...(o.node === undefined ? {} : { node: o.node }),
        },
        fault: { type: 'capacity', maxBytes: 0 },
      }),
    ],
  },
  corruption: {
    name: 'corruption',
    description:
      'Each read on one node flips a bit of the replica it reads, on disk: the checksum catches it, the read is served by another replica, and a repair or the scrub rewrites it.',
    options: ['ttl', 'seed', 'node'],
    rules: (o) => [
      rule('corruption', 'bitflip', o, {
        match: { service: 'storage-node', point: 'node.read', node: o.node ?? DEFAULT_NODE },
        fault: { type: 'corrupt', mode: 'bitflip' },
      }),
    ],
  },
  'queue-chaos': {
    name: 'queue-chaos',
    description: 'Tasks are dropped (5%) or duplicated (10%) on publish, and delayed 1 s (10%) on delivery.',
    options: ['ttl', 'seed'],
    rules: (o) => [
      rule('queue-chaos', 'drop', o, {
        match: { service: 'async', point: 'queue.publish' },
        fault: { type: 'drop' },
        rate: 0.05,
      }),
      rule('queue-chaos', 'duplicate', o, {
        match: { service: 'async', point: 'queue.publish' },
        fault: { type: 'duplicate', copies: 1 },
        rate: 0.1,
      }),
      rule('queue-chaos', 'delay', o, {
        match: { service: 'async', point: 'queue.consume' },
        fault: { type: 'delay', ms: 1000 },
        rate: 0.1,
      }),
    ],
  },
  'origin-outage': {
    name: 'origin-outage',
    description:
      "The origin refuses every connection: a GET or HEAD that misses locally gets 503 ServiceUnavailable (never 404), and the origin's breaker opens. With `bucket`, only that bucket's origin.",
    options: ['ttl', 'seed', 'bucket'],
    rules: (o) => [
      rule('origin-outage', 'unavailable', o, {
        match: originMatch('origin.fetch.before', o),
        fault: { type: 'origin_unavailable' },
      }),
    ],
  },
  'origin-slow': {
    name: 'origin-slow',
    description:
      "The origin answers 1 s late and its body drips at 256 KiB per 100 ms (1 MiB: 1.4 s in all); past the origin's timeoutMs the miss gets 503 ServiceUnavailable. With `bucket`, only that bucket's origin.",
    options: ['ttl', 'seed', 'bucket'],
    rules: (o) => [
      rule('origin-slow', 'latency', o, {
        match: originMatch('origin.fetch.before', o),
        fault: { type: 'latency', ms: 1000 },
      }),
      rule('origin-slow', 'slow-body', o, {
        match: originMatch('origin.fetch.after', o),
        fault: { type: 'slow_body', chunkBytes: 262_144, delayMs: 100 },
      }),
    ],
  },
  'origin-dirty': {
    name: 'origin-dirty',
    description:
      "10% of the origin's answers have one bit flipped under the origin's own ETag: verification refuses them (503 ServiceUnavailable, never cached) and the next read fetches again. With `bucket`, only that bucket's origin.",
    options: ['ttl', 'seed', 'bucket'],
    rules: (o) => [
      rule('origin-dirty', 'bitflip', o, {
        match: originMatch('origin.fetch.after', o),
        fault: { type: 'dirty', mode: 'bitflip', etag: 'mismatch' },
        rate: 0.1,
      }),
    ],
  },
};

/** Tells whether a string names a preset. */
export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}
