/**
 * `npx tsx bench/faults/profile-server.ts [seconds] [rules] [on|off]`: runs one embedded server
 * with the engine on (or off) and the faults suite's non-matching rules under `node --cpu-prof`, drives GETs of
 * 1 KiB at it, and prints where its CPU time went (self time by function, and the engine's share),
 * so the overhead measured by the suite can be attributed without guessing.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad } from '../client/load-loop.js';
import { openEndpoint } from '../client/s3-request.js';
import { findFreePort, spawnNode, waitForHealthy } from '../targets/child-server.js';
import { fakeSigV4Headers } from '../targets/s3-headers.js';
import { BUCKET, type Phase, phaseRequests, prepareTarget } from '../workload.js';
import { expectControl } from './control-client.js';
import { nonMatchingRules } from './non-matching-rules.js';

const GET_1K: Phase = { op: 'GET', sizeBytes: 1024, sizeLabel: '1 KiB' };
const CONCURRENCY = 16;
const TOP = 25;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Self time per function, and the share of samples under a frame of `shared/faults/` or of the
 * fault middleware, over the last `windowMs` of the profile (the load ends just before the exit,
 * so that is the measured GETs, not the start-up and the rule posting).
 */
function summarise(profile: CpuProfile, windowMs: number): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  let total = 0;
  let engine = 0;
  let middleware = 0;
  let idle = 0;
  const at: number[] = [];
  let clock = 0;
  for (const delta of profile.timeDeltas) {
    clock += delta;
    at.push(clock);
  }
  const from = clock - windowMs * 1000;
  profile.samples.forEach((id, index) => {
    if (at[index]! < from) return;
    const micros = profile.timeDeltas[index] ?? 0;
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idle += micros;
      return;
    }
    total += micros;
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/work\/main\//, '')}:${frame.lineNumber + 1}`;
    self.set(name, (self.get(name) ?? 0) + micros);
    for (let up: number | undefined = id; up !== undefined; up = parent.get(up)) {
      const url = byId.get(up)!.callFrame.url;
      if (url.includes('/shared/faults/')) {
        engine += micros;
        break;
      }
      if (url.endsWith('/layers/faults.ts') || url.endsWith('/layers/request-facts.ts')) {
        middleware += micros;
        break;
      }
    }
  });
  const lines = [
    `last ${windowMs} ms of the profile: busy ${(total / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms; ` +
      `under shared/faults/: ${(engine / 1000).toFixed(0)} ms (${((100 * engine) / total).toFixed(1)}% of busy), ` +
      `under layers/faults.ts or request-facts.ts (outside the engine): ${(middleware / 1000).toFixed(0)} ms ` +
      `(${((100 * middleware) / total).toFixed(1)}%)`,
  ];
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  for (const [name, micros] of top) {
    lines.push(`${((100 * micros) / total).toFixed(1).padStart(5)}%  ${name}`);
  }
  return lines.join('\n');
}

const seconds = Number(process.argv[2] ?? 10);
const ruleCount = Number(process.argv[3] ?? 1000);
const engineOn = (process.argv[4] ?? 'on') === 'on';
const profileDir = await mkdtemp(join(tmpdir(), 'faults-profile-'));
const dataDir = await mkdtemp(join(tmpdir(), 'faults-profile-data-'));
const [port, adminPort] = [await findFreePort(), await findFreePort()];
// `--cpu-prof` is refused in NODE_OPTIONS, hence a spawn of our own rather than startMockS3.
const server = spawnNode(
  ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--import', 'tsx', 'gateway/embedded/main.ts'],
  {
    PORT: String(port),
    ADMIN_PORT: String(adminPort),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    FAULTS_ENABLED: String(engineOn),
  },
);
const baseUrl = `http://127.0.0.1:${port}`;
const adminUrl = `http://127.0.0.1:${adminPort}`;
try {
  await waitForHealthy(`${adminUrl}/health`, server, 90_000);
  const endpoint = openEndpoint(baseUrl, CONCURRENCY);
  try {
    await prepareTarget(endpoint, fakeSigV4Headers(), CONCURRENCY, [GET_1K]);
    for (const rule of nonMatchingRules(ruleCount, { bucket: BUCKET, keyPrefix: 'get-1024' })) {
      await expectControl(adminUrl, 'POST', 'rules', 201, rule);
    }
    const result = await runLoad({
      endpoint,
      concurrency: CONCURRENCY,
      warmupMs: 1000,
      measureMs: seconds * 1000,
      requestAt: phaseRequests(GET_1K, fakeSigV4Headers()),
    });
    process.stdout.write(
      `engine ${engineOn ? 'on' : 'off'}, ${ruleCount} rules: ${result.completed} GETs in ` +
        `${result.elapsedMs.toFixed(0)} ms, ${result.errors} errors\n`,
    );
  } finally {
    endpoint.agent.destroy();
  }
} finally {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}
const file = (await readdir(profileDir)).find((name) => name.endsWith('.cpuprofile'));
if (file === undefined) throw new Error(`no profile written in ${profileDir}`);
process.stdout.write(`profile: ${join(profileDir, file)}\n`);
process.stdout.write(
  `${summarise(JSON.parse(await readFile(join(profileDir, file), 'utf8')) as CpuProfile, seconds * 1000)}\n`,
);
