import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createEtcdDiscovery,
  type EtcdDiscovery,
} from '../../../shared/discovery/adapters/etcd-discovery.js';
import { type NodeRegistration, registerNode } from '../../../shared/discovery/adapters/etcd-registry.js';
import type { NodeEntry } from '../../../shared/discovery/node-entry.js';
import { createMemoryNode } from '../../../shared/storage/adapters/memory-node.js';
import type { StorageNode } from '../../../shared/storage/ports.js';
import { silentLogger } from '../../../shared/telemetry/logger.js';
import { assertEtcdAnswers, ETCD_URL, eventually, inspectEtcd, scratchPrefix } from './etcd-scratch.js';

const root = scratchPrefix('nodes');
let tests = 0;
/** Each test registers under its own prefix, so a failure cannot leak nodes into the next test. */
const testPrefix = () => `${root}t${++tests}/`;
const inspector = inspectEtcd();
const open: EtcdDiscovery[] = [];
const registered: NodeRegistration[] = [];

/** registerNode, remembered so that a failed test cannot leave a lease kept alive (and jest hanging). */
async function register(options: Parameters<typeof registerNode>[0]): Promise<NodeRegistration> {
  const registration = await registerNode(options);
  registered.push(registration);
  return registration;
}

beforeAll(assertEtcdAnswers);

afterAll(async () => {
  await Promise.all(open.map((discovery) => discovery.close()));
  await Promise.all(registered.map((registration) => registration.deregister()));
  await inspector.delete().prefix(root).exec();
  inspector.close();
});

async function discover(prefix: string): Promise<{ discovery: EtcdDiscovery; made: NodeEntry[] }> {
  const made: NodeEntry[] = [];
  const discovery = createEtcdDiscovery({
    etcdUrl: ETCD_URL,
    prefix,
    logger: silentLogger,
    makeNode: (entry) => {
      made.push(entry);
      return createMemoryNode(entry.id);
    },
  });
  open.push(discovery);
  await discovery.ready();
  return { discovery, made };
}

const ids = (nodes: readonly StorageNode[]) => nodes.map((node) => node.id);

function nodesBecome(discovery: EtcdDiscovery, expected: string[], what: string, timeoutMs = 5000) {
  return eventually<readonly StorageNode[]>(
    (emit) => discovery.onChange(emit),
    (nodes) => ids(nodes).join() === expected.join(),
    timeoutMs,
    what,
    () => discovery.nodes(),
  );
}

describe('registerNode', () => {
  it('puts the node entry under a lease with the TTL asked for', async () => {
    const prefix = testPrefix();
    // Act
    const registration = await register({
      etcdUrl: ETCD_URL,
      prefix,
      id: 'put-1',
      baseUrl: 'http://127.0.0.1:7101',
      ttlSeconds: 5,
    });

    try {
      // Assess
      const stored = await inspector.get(`${prefix}put-1`).json();
      const [kv] = (await inspector.get(`${prefix}put-1`).exec()).kvs;
      const ttl = await inspector.leaseClient.leaseTimeToLive({ ID: kv.lease });
      expect(stored).toEqual({
        id: 'put-1',
        baseUrl: 'http://127.0.0.1:7101',
        startedAt: expect.any(String),
      });
      expect(registration.entry).toEqual(stored);
      expect(Number(ttl.grantedTTL)).toBe(5);
    } finally {
      await registration.deregister();
    }
  });

  it('removes the entry at once on deregister', async () => {
    const prefix = testPrefix();
    // Prepare
    const registration = await register({
      etcdUrl: ETCD_URL,
      prefix,
      id: 'clean-1',
      baseUrl: 'http://h:1',
      ttlSeconds: 30,
    });

    // Act
    await registration.deregister();

    // Assess
    expect(await inspector.get(`${prefix}clean-1`).string()).toBeNull();
  });

  it('keeps the entry alive past its TTL while the process lives', async () => {
    const prefix = testPrefix();
    // Prepare
    const registration = await register({
      etcdUrl: ETCD_URL,
      prefix,
      id: 'alive-1',
      baseUrl: 'http://h:1',
      ttlSeconds: 1,
    });

    try {
      // Act: the only way to let etcd's lease clock run is to wait for it.
      await new Promise((resolve) => setTimeout(resolve, 2500));

      // Assess
      expect(await inspector.get(`${prefix}alive-1`).string()).not.toBeNull();
    } finally {
      await registration.deregister();
    }
  });
});

describe('createEtcdDiscovery', () => {
  it('lists the nodes registered before it started', async () => {
    const prefix = testPrefix();
    // Prepare
    const registrations = await Promise.all(
      ['early-b', 'early-a'].map((id) =>
        register({ etcdUrl: ETCD_URL, prefix, id, baseUrl: `http://127.0.0.1:1/${id}`, ttlSeconds: 10 }),
      ),
    );

    try {
      // Act
      const { discovery } = await discover(prefix);

      // Assess
      expect(ids(discovery.nodes())).toEqual(['early-a', 'early-b']);
      expect(discovery.entries().map((entry) => entry.baseUrl)).toEqual([
        'http://127.0.0.1:1/early-a',
        'http://127.0.0.1:1/early-b',
      ]);
    } finally {
      await Promise.all(registrations.map((registration) => registration.deregister()));
    }
  });

  it('follows joins and clean stops through the watch', async () => {
    const prefix = testPrefix();
    // Prepare
    const { discovery } = await discover(prefix);
    const joined = nodesBecome(discovery, ['watch-1'], 'watch-1 to join');

    // Act
    const registration = await register({
      etcdUrl: ETCD_URL,
      prefix,
      id: 'watch-1',
      baseUrl: 'http://h:1',
      ttlSeconds: 10,
    });
    await joined;
    const left = nodesBecome(discovery, [], 'watch-1 to leave');
    await registration.deregister();

    // Assess
    expect(ids(await left)).toEqual([]);
    expect(discovery.nodes()).toEqual([]);
  });

  it('drops a crashed node once its lease lapses (TTL 2 s)', async () => {
    const prefix = testPrefix();
    // Prepare
    const { discovery } = await discover(prefix);
    const registration = await register({
      etcdUrl: ETCD_URL,
      prefix,
      id: 'crash-1',
      baseUrl: 'http://h:1',
      ttlSeconds: 2,
    });
    await nodesBecome(discovery, ['crash-1'], 'crash-1 to join');
    const gone = nodesBecome(discovery, [], 'crash-1 lease to lapse', 8000);
    const crashedAt = performance.now();

    // Act: stop keep-alives and drop the connection without revoking, as kill -9 would.
    await registration.abandon();
    await gone;

    // Assess: etcd checks expiry with some slack; the node must be gone within a few TTLs.
    const elapsed = performance.now() - crashedAt;
    expect(elapsed).toBeGreaterThan(1000);
    expect(elapsed).toBeLessThan(7500);
    expect(await inspector.get(`${prefix}crash-1`).string()).toBeNull();
  }, 10_000);

  it('keeps the node object of a node that registers again at the same address', async () => {
    const prefix = testPrefix();
    // Prepare
    const { discovery, made } = await discover(prefix);
    const joined = nodesBecome(discovery, ['again-1'], 'again-1 to join');
    const first = await register({
      etcdUrl: ETCD_URL,
      prefix,
      id: 'again-1',
      baseUrl: 'http://h:1',
      ttlSeconds: 10,
    });
    let second: NodeRegistration | undefined;
    try {
      const [node] = await joined;
      const renewed = eventually<readonly StorageNode[]>(
        (emit) => discovery.onChange(emit),
        () => true,
        5000,
        'a change',
      );

      // Act
      second = await register({
        etcdUrl: ETCD_URL,
        prefix,
        id: 'again-1',
        baseUrl: 'http://h:1',
        ttlSeconds: 10,
      });
      const [after] = await renewed;

      // Assess
      expect(after).toBe(node);
      expect(made.filter((entry) => entry.id === 'again-1')).toHaveLength(1);
    } finally {
      await first.abandon();
      await second?.deregister();
    }
  });

  it('ignores a malformed registration', async () => {
    const prefix = testPrefix();
    // Prepare
    const { discovery } = await discover(prefix);
    const joined = nodesBecome(discovery, ['good-1'], 'good-1 to join');

    // Act
    await inspector.put(`${prefix}bad-1`).value('{"id":"bad-1"}');
    const registration = await register({
      etcdUrl: ETCD_URL,
      prefix,
      id: 'good-1',
      baseUrl: 'http://h:1',
      ttlSeconds: 10,
    });

    try {
      // Assess
      expect(ids(await joined)).toEqual(['good-1']);
    } finally {
      await registration.deregister();
    }
  });
});
