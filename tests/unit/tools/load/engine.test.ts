// The load engine: closed and open loop, the seeded sequence, key choice that keeps verdicts honest.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createLoadClient } from '../../../../tools/load/clients/create-client.js';
import { startLoad } from '../../../../tools/load/engine.js';
import type { LoadSpec } from '../../../../tools/load/types.js';
import { sha256Hex } from '../../../support/e2e/payload.js';
import { type FakeCall, fakeLoadClient } from '../../../support/load/fake-load-client.js';

const ALL_OPERATIONS = { put: 30, get: 30, head: 10, list: 5, delete: 10, copy: 10, multipart: 5 };

function spec(overrides: Partial<LoadSpec> = {}): LoadSpec {
  return {
    target: 'http://127.0.0.1:1',
    bucket: 'b',
    keyPrefix: 'run/',
    durationMs: 300,
    loop: { kind: 'closed', concurrency: 4 },
    keys: 100,
    size: { min: 64, max: 4096 },
    mix: ALL_OPERATIONS,
    client: 'raw',
    seed: 7,
    recordHistory: false,
    ...overrides,
  };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  }
});

/** A node:http server on loopback answering every request with `answer`. */
async function localServer(answer: (index: number, respond: () => void) => void): Promise<string> {
  let index = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => answer(++index, () => response.writeHead(200, { 'content-length': 0 }).end()));
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

/** What identifies an operation of the sequence: kind, key, size and bytes. */
function fingerprint(call: FakeCall): string {
  return [call.operation, call.key, call.sourceKey, call.size, call.body && sha256Hex(call.body)].join(' ');
}

describe('the closed loop', () => {
  it('never has more than `concurrency` operations in flight', async () => {
    // Prepare
    const client = fakeLoadClient({ turns: (_call, index) => 1 + (index % 7) });

    // Act
    const run = await startLoad(spec({ loop: { kind: 'closed', concurrency: 4 } }), {}, { client }).done;

    // Assess
    expect(run.total.ops).toBeGreaterThan(8);
    expect(client.maxInFlight()).toBe(4);
  });

  it('ends early on stop(): no new operation, the run marked stopped', async () => {
    // Prepare
    const client = fakeLoadClient({ turns: () => 3 });
    const handle = startLoad(spec({ durationMs: 60_000 }), {}, { client });
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Act
    const run = await handle.stop();
    const callsAfterStop = client.calls.length;

    // Assess
    expect(run.stopped).toBe(true);
    expect(run.elapsedMs).toBeLessThan(5_000);
    expect(client.calls).toHaveLength(callsAfterStop);
    expect(run.total.ops).toBe(callsAfterStop);
  });
});

describe('the seed', () => {
  async function sequence(seed: number): Promise<string[]> {
    const client = fakeLoadClient();
    await startLoad(
      spec({ seed, durationMs: 1000, loop: { kind: 'closed', concurrency: 1 } }),
      {},
      { client },
    ).done;
    return client.calls.slice(0, 100).map(fingerprint);
  }

  it('gives the same operations, keys, sizes and bytes; another seed others', async () => {
    // Act
    const first = await sequence(7);
    const again = await sequence(7);
    const other = await sequence(8);

    // Assess
    expect(first).toHaveLength(100);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    // Every write differs, even of equal size.
    const bodies = first.filter((line) => line.startsWith('put ')).map((line) => line.split(' ').pop());
    expect(new Set(bodies).size).toBe(bodies.length);
  });
});

describe('key choice', () => {
  const READS = new Set(['get', 'head', 'delete']);

  it('never runs two operations on one key at once', async () => {
    // Prepare: few keys for the concurrency, calls of varied length, so collisions would happen.
    const client = fakeLoadClient({ turns: (_call, index) => 1 + ((index * 7) % 11) });

    // Act
    await startLoad(spec({ keys: 32, loop: { kind: 'closed', concurrency: 16 } }), {}, { client }).done;

    // Assess
    expect(client.calls.length).toBeGreaterThan(100);
    expect(client.overlaps).toEqual([]);
  });

  it('reads, copies and deletes only keys whose last write was acknowledged', async () => {
    // Prepare: writes to odd keys always fail; every third write fails whatever the key.
    const acked = (call: FakeCall, index: number) =>
      Number(call.key!.slice('run/k'.length)) % 2 === 0 && index % 3 !== 0;
    const client = fakeLoadClient({ acknowledge: acked, turns: (_call, index) => 1 + (index % 4) });

    // Act
    const run = await startLoad(spec({ loop: { kind: 'closed', concurrency: 8 } }), {}, { client }).done;

    // Assess: walk the calls in order; a key's calls never overlap, so issue order is its history.
    const belief = new Map<string, 'exists' | 'absent' | 'uncertain'>();
    const misreads: string[] = [];
    client.calls.forEach((call, index) => {
      const read = READS.has(call.operation)
        ? call.key
        : call.operation === 'copy'
          ? call.sourceKey
          : undefined;
      if (read !== undefined && belief.get(read) !== 'exists')
        misreads.push(`${index} ${call.operation} ${read}`);
      if (call.operation === 'put' || call.operation === 'multipart' || call.operation === 'copy')
        belief.set(call.key!, acked(call, index) ? 'exists' : 'uncertain');
      if (call.operation === 'delete') belief.set(call.key!, 'absent');
    });
    expect(client.calls.filter((call) => READS.has(call.operation)).length).toBeGreaterThan(20);
    expect([...belief.values()]).toContain('uncertain');
    expect(misreads).toEqual([]);
    // So no read met a missing object: a 404 in a drill is a real miss.
    expect(run.total.errorsByCode.NoSuchKey).toBeUndefined();
  });
});

describe('the open loop', () => {
  it('measures from the intended send time: a stall shows on the requests queued behind it', async () => {
    // Prepare: the 5th request blocks this process for 500 ms (as a GC pause or an overloaded
    // generator would): the operations due meanwhile are sent late, and must count as late.
    const stallMs = 500;
    const target = await localServer((index, respond) => {
      if (index === 5) {
        const until = performance.now() + stallMs;
        while (performance.now() < until) {
          // busy: nothing else on this process runs, the load generator included
        }
      }
      respond();
    });
    const client = createLoadClient('raw', target);

    // Act
    const run = await startLoad(
      spec({
        target,
        durationMs: 2000,
        loop: { kind: 'open', ratePerSecond: 100 },
        mix: { put: 1 },
        keys: 1000,
      }),
      {},
      { client },
    ).done;
    await client.close();

    // Assess: every arrival of 100/s x 2 s sent (none skipped), the stall in the tail.
    expect(run.total.ops).toBe(200);
    expect(run.total.errors).toBe(0);
    expect(run.total.latency!.p99).toBeGreaterThanOrEqual(stallMs * 0.8);
    expect(run.seconds.map((second) => second.ops)).toEqual([100, 100]);
  });

  it('counts an arrival beyond the in-flight cap as Dropped, never skips it', async () => {
    // Prepare: answers take 200 ms; 50/s would need 10 in flight, the cap is 3.
    const target = await localServer((_index, respond) => setTimeout(respond, 200));
    const client = createLoadClient('raw', target);

    // Act
    const run = await startLoad(
      spec({
        target,
        durationMs: 1000,
        loop: { kind: 'open', ratePerSecond: 50, maxInFlight: 3 },
        mix: { put: 1 },
      }),
      {},
      { client },
    ).done;
    await client.close();

    // Assess
    expect(run.total.ops).toBe(50);
    expect(run.total.errorsByCode.Dropped).toBeGreaterThan(20);
    expect(run.total.errors).toBe(run.total.errorsByCode.Dropped);
  });
});

describe('the history', () => {
  it('records what was sent and received, so a checker can compare bytes without asking the server', async () => {
    // Prepare: every fifth write fails (unacknowledged: it may or may not have happened).
    const client = fakeLoadClient({
      acknowledge: (_call, index) => index % 5 !== 0,
      turns: (_c, i) => 1 + (i % 3),
    });

    // Act
    const run = await startLoad(
      spec({ recordHistory: true, loop: { kind: 'closed', concurrency: 4 } }),
      {},
      {
        client,
      },
    ).done;

    // Assess: each write's SHA-256 is of the bytes the client was given (a copy: its source's).
    const history = run.history!;
    const writes = client.calls.filter((call) => ['put', 'multipart', 'copy'].includes(call.operation));
    expect(history.writes).toHaveLength(writes.length);
    expect(history.writes.some((write) => !write.acked)).toBe(true);
    // A copy's expected bytes are its source's last ACKNOWLEDGED bytes.
    const ackedSha = new Map<string, string>();
    const expected: string[] = [];
    client.calls.forEach((call, index) => {
      if (!['put', 'multipart', 'copy'].includes(call.operation)) return;
      const sha = call.operation === 'copy' ? ackedSha.get(call.sourceKey!)! : sha256Hex(call.body!);
      expected.push(`${call.key} ${sha}`);
      if (index % 5 !== 0) ackedSha.set(call.key!, sha);
    });
    expect(history.writes.map((write) => `${write.key} ${write.sha256}`).sort()).toEqual(expected.sort());
    // Reads: the SHA-256 of what came back, bytes some write sent to that key.
    expect(history.reads.length).toBeGreaterThan(10);
    const sent = new Set(expected);
    expect(history.reads.filter((read) => !sent.has(`${read.key} ${read.sha256}`))).toEqual([]);
    expect(history.deletes.length).toBe(client.calls.filter((call) => call.operation === 'delete').length);
    const touched = new Set(client.calls.flatMap((call) => [call.key, call.sourceKey].filter(Boolean)));
    expect(new Set(run.touchedKeys)).toEqual(touched);
  });
});

describe('a key space smaller than the operations in flight', () => {
  it('turns an operation that finds no free key into a list, never sharing a key', async () => {
    // Prepare: 8 workers, 3 keys, puts only.
    const client = fakeLoadClient({ turns: (_call, index) => 1 + (index % 5) });

    // Act
    const run = await startLoad(
      spec({ keys: 3, mix: { put: 1 }, loop: { kind: 'closed', concurrency: 8 } }),
      {},
      {
        client,
      },
    ).done;

    // Assess
    expect(client.overlaps).toEqual([]);
    expect(run.total.byOperation.put!.ops).toBeGreaterThan(0);
    expect(run.total.byOperation.list!.ops).toBeGreaterThan(0);
  });
});
