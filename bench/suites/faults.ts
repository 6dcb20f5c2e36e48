/**
 * `npm run bench -- --suite faults`: what the fault engine costs a GET of 1 KiB when it is on and
 * holds 1,000 rules none of which match, against the same server with the engine off. Two embedded
 * servers run side by side; rounds alternate on/off (ABBA order, so drift in the machine's load
 * falls on both alike). Before measuring, and again at the end, the hit log of the engine-on server
 * must be empty: a rule that fired would make the comparison meaningless.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { runLoad } from '../client/load-loop.js';
import { openEndpoint } from '../client/s3-request.js';
import { expectControl } from '../faults/control-client.js';
import { nonMatchingRules } from '../faults/non-matching-rules.js';
import { listenerPid, processCpuMs } from '../faults/server-cpu.js';
import { describeMachine, machineFacts } from '../machine.js';
import { ResultCollector, type ResultRow } from '../results.js';
import { median } from '../stats.js';
import { type RunningMockS3, startMockS3 } from '../targets/mock-s3.js';
import { BUCKET, type Phase, phaseRequests, prepareTarget } from '../workload.js';
import { parseNumberFlags } from './flags.js';

const RESULTS_FILE = new URL('../results/faults.md', import.meta.url);
const GET_1K: Phase = { op: 'GET', sizeBytes: 1024, sizeLabel: '1 KiB' };
const TARGET_RATIO = 0.95;
const RULE_POST_CONCURRENCY = 8;

const DEFAULTS = { rounds: 6, seconds: 5, warmup: 1, concurrency: 16, rules: 1000 };
type FaultsOptions = typeof DEFAULTS;

export const FAULTS_USAGE =
  'usage: npm run bench -- --suite faults [--rounds 6] [--seconds 5] [--warmup 1] [--concurrency 16] [--rules 1000]';

function progress(message: string): void {
  process.stderr.write(`[bench:faults] ${message}\n`);
}

/** Loads the rules through the control API, then checks the engine reports them all, and on. */
async function loadRules(server: RunningMockS3, count: number): Promise<void> {
  const rules = nonMatchingRules(count, { bucket: BUCKET, keyPrefix: `get-${GET_1K.sizeBytes}` });
  for (let first = 0; first < rules.length; first += RULE_POST_CONCURRENCY) {
    await Promise.all(
      rules
        .slice(first, first + RULE_POST_CONCURRENCY)
        .map((rule) => expectControl(server.adminUrl, 'POST', 'rules', 201, rule)),
    );
  }
  const status = (await expectControl(server.adminUrl, 'GET', 'status', 200)) as Record<string, unknown>;
  if (status.enabled !== true || status.activeRules !== count) {
    throw new Error(`engine should be on with ${count} active rules, status says ${JSON.stringify(status)}`);
  }
}

/** Throws when the hit log holds any firing: the rules are meant never to match a benchmark GET. */
async function expectNoFirings(server: RunningMockS3, when: string): Promise<void> {
  const body = await expectControl(server.adminUrl, 'GET', 'events', 200);
  const events = Array.isArray(body)
    ? body
    : ((body as { events?: unknown[] } | undefined)?.events ?? undefined);
  if (!Array.isArray(events))
    throw new Error(`GET /events answered an unexpected shape: ${JSON.stringify(body)}`);
  if (events.length > 0) {
    throw new Error(`${events.length} rules fired ${when}, first: ${JSON.stringify(events[0])}`);
  }
  progress(`hit log empty ${when}`);
}

/**
 * One closed-loop phase; also the server's CPU time (from /proc) per request sent, warm-up
 * included, when the server's pid can be found.
 */
async function measureOnce(server: RunningMockS3, options: FaultsOptions, warmupMs: number) {
  const endpoint = openEndpoint(server.baseUrl, options.concurrency);
  const pid = listenerPid(Number(new URL(server.baseUrl).port));
  const request = phaseRequests(GET_1K, server.headers());
  let sent = 0;
  try {
    const cpuBefore = await processCpuMs(pid);
    const result = await runLoad({
      endpoint,
      concurrency: options.concurrency,
      warmupMs,
      measureMs: options.seconds * 1000,
      requestAt: (n) => {
        sent += 1;
        return request(n);
      },
    });
    const cpuAfter = await processCpuMs(pid);
    const cpuUsPerRequest =
      cpuBefore === undefined || cpuAfter === undefined || sent === 0
        ? Number.NaN
        : ((cpuAfter - cpuBefore) * 1000) / sent;
    return { result, cpuUsPerRequest };
  } finally {
    endpoint.agent.destroy();
  }
}

function cell(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

function renderReport(
  options: FaultsOptions,
  machine: string,
  started: Date,
  on: ResultRow,
  off: ResultRow,
  cpu: { on: number; off: number; rounds: string },
): string {
  const ratio = off.opsPerSecond > 0 ? on.opsPerSecond / off.opsPerSecond : Number.NaN;
  const valid = on.errors === 0 && off.errors === 0;
  const verdict = !valid
    ? `invalid (run had errors), ratio ${cell(ratio, 2)}x`
    : `${ratio >= TARGET_RATIO ? 'met' : 'NOT met'} (${cell(ratio, 2)}x)`;
  const row = (label: string, result: ResultRow, ratioText: string) =>
    `| ${label} | ${cell(result.opsPerSecond, 0)} | ${cell(result.p50Ms, 2)} | ${cell(result.p99Ms, 2)} | ` +
    `${ratioText} | ${result.requests} | ${result.errors === 0 ? '0' : `**${result.errors}**`} | ` +
    `${cell(result.target === 'on' ? cpu.on : cpu.off, 0)} |`;
  return [
    '# Fault engine overhead: GET 1 KiB, engine on with non-matching rules vs engine off',
    '',
    `Command: \`npm run bench -- --suite faults --rounds ${options.rounds} --seconds ${options.seconds} ` +
      `--warmup ${options.warmup} --concurrency ${options.concurrency} --rules ${options.rules}\``,
    '',
    `Date: ${started.toISOString()} — ${machine}`,
    '',
    `Two embedded servers (\`npm start\`'s bundle of \`gateway/embedded/main.ts\`, PGlite, fresh data directory each) run side by side: ` +
      `**on** has \`FAULTS_ENABLED=true\` and ${options.rules} rules that do not match the GETs ` +
      `(bench/faults/non-matching-rules.ts: other tenants' buckets, key globs on the bucket under test, ` +
      `other operations and routes, test-case headers, node/db/cache/storage points), POSTed to ` +
      `\`/api/v1/injection/rules\`; **off** has the defaults (engine off, no rules). ` +
      `${options.rounds} rounds in ABBA order (on, off, off, on, ...), each ${options.warmup} s warm-up + ` +
      `${options.seconds} s measured, closed loop with ${options.concurrency} keep-alive connections over 200 ` +
      `keys. ops/s is the median over rounds; p50/p99 over all measured requests. ` +
      `The hit log of **on** (\`GET /api/v1/injection/events\`) was empty after the warm-up and after the last round.`,
    '',
    '| engine | ops/s | p50 ms | p99 ms | ratio on/off | requests | errors | server CPU µs per GET |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    row(`on, ${options.rules} non-matching rules`, on, `${cell(ratio, 2)}x`),
    row('off', off, '1.00x'),
    '',
    `Goal: GET 1 KiB with the engine on and ${options.rules} non-matching rules >= ${TARGET_RATIO}x engine off: ${verdict}`,
    '',
    `Server CPU per GET (user + system from /proc, over warm-up and measured window, median of rounds; ` +
      `less sensitive than ops/s to other work on the machine): off/on = ${cell(cpu.off / cpu.on, 2)}x. ` +
      `Per round (on/off ops/s, on/off CPU µs per GET): ${cpu.rounds}`,
    '',
  ].join('\n');
}

/** Runs the suite; resolves with the process exit code. */
export async function runFaultsSuite(argv: readonly string[]): Promise<number> {
  let options: FaultsOptions;
  try {
    options = parseNumberFlags(argv, DEFAULTS);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${FAULTS_USAGE}\n`);
    return 2;
  }
  const started = new Date();
  const machine = describeMachine(machineFacts());
  const running: RunningMockS3[] = [];
  const collector = new ResultCollector();
  const cpuRounds = { on: [] as number[], off: [] as number[] };
  const roundNotes: string[] = [];
  try {
    progress('starting the engine-on and engine-off servers');
    const [on, off] = await Promise.all([
      startMockS3('on', { FAULTS_ENABLED: 'true' }),
      startMockS3('off', { FAULTS_ENABLED: 'false' }),
    ]);
    running.push(on, off);
    for (const server of running) {
      const endpoint = openEndpoint(server.baseUrl, options.concurrency);
      try {
        await prepareTarget(endpoint, server.headers(), options.concurrency, [GET_1K]);
      } finally {
        endpoint.agent.destroy();
      }
    }
    progress(`posting ${options.rules} non-matching rules to the engine-on server`);
    await loadRules(on, options.rules);

    // A warm-up of both (JIT, PGlite caches) before the first check of the hit log.
    for (const server of running) await measureOnce(server, { ...options, seconds: options.warmup }, 0);
    await expectNoFirings(on, 'after the warm-up');

    for (let round = 1; round <= options.rounds; round++) {
      const order = round % 2 === 1 ? [on, off] : [off, on];
      const note: Record<string, { ops: number; cpu: number }> = {};
      for (const server of order) {
        const { result, cpuUsPerRequest } = await measureOnce(server, options, options.warmup * 1000);
        collector.add(server.name, GET_1K, result);
        cpuRounds[server.name as 'on' | 'off'].push(cpuUsPerRequest);
        const opsPerSecond = result.elapsedMs > 0 ? (result.completed * 1000) / result.elapsedMs : 0;
        note[server.name] = { ops: opsPerSecond, cpu: cpuUsPerRequest };
        progress(
          `round ${round}/${options.rounds} ${server.name}: ${opsPerSecond.toFixed(0)} ops/s, ` +
            `${cell(cpuUsPerRequest, 0)} µs CPU per GET, ${result.errors} errors`,
        );
      }
      roundNotes.push(
        `${cell(note.on!.ops, 0)}/${cell(note.off!.ops, 0)} (${cell(note.on!.ops / note.off!.ops, 2)}x), ` +
          `${cell(note.on!.cpu, 0)}/${cell(note.off!.cpu, 0)}`,
      );
    }
    await expectNoFirings(on, 'after the last round');
  } finally {
    await Promise.allSettled(running.map((server) => server.stop()));
  }

  const rows = collector.rows();
  const onRow = rows.find((row) => row.target === 'on')!;
  const offRow = rows.find((row) => row.target === 'off')!;
  const cpu = { on: median(cpuRounds.on), off: median(cpuRounds.off), rounds: roundNotes.join('; ') };
  const report = renderReport(options, machine, started, onRow, offRow, cpu);
  process.stdout.write(report);
  await mkdir(new URL('.', RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, report);
  return onRow.errors > 0 || offRow.errors > 0 ? 1 : 0;
}
