/**
 * `npm run bench -- --suite propagation`: how long a rule change made on one stack-mode instance
 * takes to be visible on the other (FAULTS.md, "Propagation": within 100 ms). Needs a running
 * stack (`npm run stack`); talks to the two serverless-offline instances directly, not via nginx,
 * so each request lands on the instance meant.
 *
 * Each change is sent to instance A while instance B is polled, from the moment the change is sent,
 * with `GET /api/v1/injection/rules/{id}`: a poll is started every `--poll-ms` (or as soon as the
 * previous one answered, when it took longer). Measured: from just before A's request is sent to the
 * arrival of B's first answer that shows the change. Nothing is subtracted; the column "sent" gives
 * the start of that poll instead, so the true instant lies between the two.
 *
 * Where the time goes: the suite also subscribes to the stack's rule channel on Redis
 * (`--redis-port`, default the port of REDIS_URL or 6379) and notes when each change's notice
 * arrives there, which splits "visible" into A's part (store + publish) and B's part (apply +
 * the observing poll).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { RULE_CHANNEL } from '../../shared/injection/adapters/redis-rule-bus.js';
import { callControl, expectControl, loopbackOrigin } from '../faults/control-client.js';
import { describeMachine, machineFacts } from '../machine.js';
import { percentile } from '../stats.js';
import { parseNumberFlags } from './flags.js';

const RESULTS_FILE = new URL('../results/propagation.md', import.meta.url);
const TARGET_P99_MS = 100;

const [DEFAULT_PORT_A, DEFAULT_PORT_B] = (process.env.STACK_OFFLINE_PORTS ?? '3001 3002')
  .split(/\s+/)
  .filter((port) => port.length > 0)
  .map(Number) as [number, number];

const DEFAULTS = {
  changes: 100,
  pollMs: 2,
  timeoutMs: 5000,
  /** Pause between two changes, so one change's reload is over before the next is sent. */
  gapMs: 20,
  portA: DEFAULT_PORT_A,
  portB: DEFAULT_PORT_B,
  redisPort: Number(new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').port || 6379),
};
type PropagationOptions = typeof DEFAULTS;

export const PROPAGATION_USAGE =
  'usage: npm run stack && npm run bench -- --suite propagation [--changes 100] [--poll-ms 2] [--timeout-ms 5000] [--gap-ms 20] [--port-a 3001] [--port-b 3002] [--redis-port 6379]';

/** The four changes a rule goes through, in order; each knows how B shows it. */
type ChangeKind = 'create' | 'disable' | 'enable' | 'delete';
const CYCLE: readonly ChangeKind[] = ['create', 'disable', 'enable', 'delete'];

interface ChangeSample {
  readonly kind: ChangeKind;
  /** From sending the change to A until B's first answer showing it. */
  readonly visibleMs: number;
  /** From sending the change to A until the start of that poll. */
  readonly pollSentMs: number;
  /** A's own answer time. */
  readonly ackMs: number;
  /** From sending the change to A until its notice reached our own subscriber on Redis. */
  readonly busMs: number;
  readonly polls: number;
}

function progress(message: string): void {
  process.stderr.write(`[bench:propagation] ${message}\n`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The rule B must show after `kind`: present, disabled, enabled, or gone. */
function showsChange(kind: ChangeKind, status: number, body: unknown): boolean {
  if (kind === 'delete') return status === 404;
  if (status !== 200) return false;
  const enabled = (body as { enabled?: unknown } | undefined)?.enabled;
  return kind === 'disable' ? enabled === false : enabled === true;
}

function sendChange(origin: string, kind: ChangeKind, id: string) {
  switch (kind) {
    case 'create':
      return expectControl(origin, 'POST', 'rules', 201, {
        id,
        scenario: 'bench-propagation',
        // A bucket no client uses: the rule must change nothing but the rule set.
        match: { bucket: 'bench-propagation-none' },
        fault: { type: 'latency', ms: 1 },
        ttl: '10m',
      });
    case 'disable':
      return expectControl(origin, 'PATCH', `rules/${id}`, 200, { enabled: false });
    case 'enable':
      return expectControl(origin, 'PATCH', `rules/${id}`, 200, { enabled: true });
    case 'delete':
      return expectControl(origin, 'DELETE', `rules/${id}`, 200);
  }
}

/** Sends one change to A and polls B until it shows it; throws after `timeoutMs`. */
async function measureChange(
  a: string,
  b: string,
  kind: ChangeKind,
  id: string,
  options: PropagationOptions,
  noticeTimes: readonly number[],
): Promise<ChangeSample> {
  const busMsOf = (startedAt: number) => {
    const at = noticeTimes.find((time) => time >= startedAt);
    return at === undefined ? Number.NaN : at - startedAt;
  };
  const startedAt = performance.now();
  let ackMs = Number.NaN;
  const ack = sendChange(a, kind, id).then(() => {
    ackMs = performance.now() - startedAt;
  });
  ack.catch(() => undefined); // awaited below; a rejection must not go unhandled meanwhile
  const maxPolls = Math.ceil(options.timeoutMs / options.pollMs) + 1;
  for (let polls = 1; polls <= maxPolls; polls++) {
    const pollStart = performance.now();
    if (pollStart - startedAt > options.timeoutMs) break;
    const answer = await callControl(b, 'GET', `rules/${id}`);
    if (showsChange(kind, answer.status, answer.body)) {
      const visibleMs = performance.now() - startedAt;
      await ack;
      return { kind, visibleMs, pollSentMs: pollStart - startedAt, ackMs, busMs: busMsOf(startedAt), polls };
    }
    const wait = pollStart + options.pollMs - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await ack;
  throw new Error(`${kind} of ${id} not visible on B within ${options.timeoutMs} ms`);
}

function stats(values: readonly number[]) {
  const sorted = Float64Array.from(values).sort();
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

function renderReport(
  options: PropagationOptions,
  machine: string,
  started: Date,
  samples: ChangeSample[],
  pollRttMs: number[],
): string {
  const f = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '—');
  const line = (label: string, subset: ChangeSample[]) => {
    const visible = stats(subset.map((sample) => sample.visibleMs));
    const sent = stats(subset.map((sample) => sample.pollSentMs));
    const ack = stats(subset.map((sample) => sample.ackMs));
    const bus = stats(subset.map((sample) => sample.busMs).filter(Number.isFinite));
    const after = stats(subset.map((sample) => sample.visibleMs - sample.busMs).filter(Number.isFinite));
    return `| ${label} | ${subset.length} | ${f(visible.p50)} | ${f(visible.p99)} | ${f(visible.max)} | ${f(sent.p50)} | ${f(sent.p99)} | ${f(ack.p50)} | ${f(ack.p99)} | ${f(bus.p50)} | ${f(bus.p99)} | ${f(after.p50)} | ${f(after.p99)} |`;
  };
  const all = stats(samples.map((sample) => sample.visibleMs));
  const rtt = stats(pollRttMs);
  const met = samples.length === options.changes && all.p99 <= TARGET_P99_MS;
  return [
    '# Rule propagation latency across the two stack-mode instances',
    '',
    `Command: \`npm run stack\`, then \`npm run bench -- --suite propagation --changes ${options.changes} ` +
      `--poll-ms ${options.pollMs} --gap-ms ${options.gapMs} --port-a ${options.portA} --port-b ${options.portB} ` +
      `--redis-port ${options.redisPort}\`, then \`npm run stack:stop\``,
    '',
    `Date: ${started.toISOString()} — ${machine}`,
    '',
    `A = serverless-offline on 127.0.0.1:${options.portA}, B = on 127.0.0.1:${options.portB} (control plane of each ` +
      `addressed directly, not through nginx); they share rules through PostgreSQL and Redis pub/sub. ` +
      `${options.changes} changes sent to A, cycling create (POST /rules) -> disable (PATCH enabled=false) -> ` +
      `enable (PATCH enabled=true) -> delete (DELETE), ${options.gapMs} ms apart. From the moment a change is sent, ` +
      `B is polled with GET /api/v1/injection/rules/{id}, one poll every ${options.pollMs} ms (or back to back when ` +
      `a poll takes longer). **visible** = from just before A's request is sent to the arrival of B's first answer ` +
      `that shows the change; nothing subtracted, so it includes up to one poll interval plus one GET round trip ` +
      `(B's GET: p50 ${f(rtt.p50)} ms, p99 ${f(rtt.p99)} ms, measured before the run). **poll sent** = to the start ` +
      `of that poll (the change became visible between the previous poll's start and this poll's answer). ` +
      `**A ack** = A's own answer time. **on bus** = to the arrival of the change's notice at the suite's own ` +
      `subscriber on Redis (A has stored the change and published it, the change itself in the notice); ` +
      `**B after bus** = visible − on bus (B applying the notice, plus the observing poll). Times in ms.`,
    '',
    '| change | n | visible p50 | visible p99 | visible max | poll sent p50 | poll sent p99 | A ack p50 | A ack p99 | on bus p50 | on bus p99 | B after bus p50 | B after bus p99 |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    line('all', samples),
    ...CYCLE.map((kind) =>
      line(
        kind,
        samples.filter((sample) => sample.kind === kind),
      ),
    ),
    '',
    `Goal: p99 <= ${TARGET_P99_MS} ms: ${met ? 'met' : 'NOT met'} (p99 ${f(all.p99)} ms over ${samples.length} of ${options.changes} changes; ` +
      `${samples.filter((sample) => sample.visibleMs > TARGET_P99_MS).length} over ${TARGET_P99_MS} ms)`,
    '',
  ].join('\n');
}

/** Runs the suite against a running stack; resolves with the process exit code. */
export async function runPropagationSuite(argv: readonly string[]): Promise<number> {
  let options: PropagationOptions;
  try {
    options = parseNumberFlags(argv, DEFAULTS);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${PROPAGATION_USAGE}\n`);
    return 2;
  }
  const a = loopbackOrigin(`http://127.0.0.1:${options.portA}`);
  const b = loopbackOrigin(`http://127.0.0.1:${options.portB}`);
  const started = new Date();
  const machine = describeMachine(machineFacts());
  for (const origin of [a, b]) {
    const health = await fetch(`${origin}/health`, { signal: AbortSignal.timeout(2000) }).catch(
      () => undefined,
    );
    if (health?.status !== 200) {
      process.stderr.write(`${origin}/health does not answer 200: is the stack running (npm run stack)?\n`);
      return 1;
    }
  }

  const runId = started.getTime().toString(36);
  const ruleIds = Array.from(
    { length: Math.ceil(options.changes / CYCLE.length) },
    (_, n) => `bench-prop-${runId}-${n}`,
  );
  // B's own GET round trip, the resolution of the measurement.
  const pollRttMs: number[] = [];
  for (let n = 0; n < 50; n++) {
    const begin = performance.now();
    await callControl(b, 'GET', `rules/${ruleIds[0]}`);
    pollRttMs.push(performance.now() - begin);
  }

  const noticeTimes: number[] = [];
  const listener = new Redis({
    host: '127.0.0.1',
    port: options.redisPort,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  listener.on('message', () => noticeTimes.push(performance.now()));
  await listener.connect();
  await listener.subscribe(RULE_CHANNEL);

  const samples: ChangeSample[] = [];
  let failure: unknown;
  try {
    for (let n = 0; n < options.changes; n++) {
      const kind = CYCLE[n % CYCLE.length]!;
      const id = ruleIds[Math.floor(n / CYCLE.length)]!;
      const sample = await measureChange(a, b, kind, id, options, noticeTimes);
      samples.push(sample);
      if ((n + 1) % 20 === 0)
        progress(
          `${n + 1}/${options.changes} changes, last ${kind} visible after ${sample.visibleMs.toFixed(1)} ms`,
        );
      await sleep(options.gapMs);
    }
  } catch (error) {
    failure = error;
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  } finally {
    // Leave no rule behind in the shared store (a 404 means it is gone already).
    await Promise.allSettled(ruleIds.map((id) => callControl(a, 'DELETE', `rules/${id}`)));
    listener.disconnect();
  }

  const report = renderReport(options, machine, started, samples, pollRttMs);
  process.stdout.write(report);
  await mkdir(new URL('.', RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, report);
  return failure === undefined ? 0 : 1;
}
