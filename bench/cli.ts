import { DEFAULT_TARGETS, TARGETS } from './targets/registry.js';

/** Settings of one benchmark run, from the command line. */
export interface BenchOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly concurrency: number;
  readonly targets: readonly string[];
}

export const USAGE = `usage: npm run bench -- [--rounds 3] [--seconds 5] [--warmup 1] [--concurrency 16]
                      [--targets ${DEFAULT_TARGETS.join(',')}]   (known: ${TARGETS.map((target) => target.name).join(', ')})
       npm run bench -- --suite stack [--rounds 3] [--seconds 5] [--warmup 1] [--concurrency 16]
                      = --targets mock-s3,stack,stack-nginx,stack-offline,stack-embedded: embedded mode and
                      stack mode entered at the front (stack), at nginx (stack-nginx), at one
                      serverless-offline instance (stack-offline), and embedded mode's gateway over the
                      stack's backends (stack-embedded), same workload, one run; a stack-* target starts its own
                      stack (scripts/stack.sh, ports 28180/29180, 7590, 3151-3152, 7251-7253, redis 6429,
                      etcd 2429, DB mocks3_bench_test) and stops it after; also writes bench/results/stack.md
       npm run bench -- --suite distinct [--targets mock-s3,s3rver,moto,localstack] [--rounds 3] [--seconds 2]
                      [--warmup 1] [--concurrency 16] [--list-concurrency 4] [--put-keys 100000] [--list-keys 10000]
                      [--put-round-seconds 90] [--peer-put-seconds 6] [--no-memory]
                      = the distinct-key workloads (PUT of new keys, GET spread over all of them, LIST of a
                      10,000-key prefix page by page, the SDK's default aws-chunked PUT), SigV4-signed, beside
                      s3rver, moto server and LocalStack's S3, then bench/memory's RSS steps; writes
                      bench/results/distinct.md
       npm run bench -- --suite faults [--rounds 6] [--seconds 5] [--warmup 1] [--concurrency 16] [--rules 1000]
       npm run bench -- --suite load [--rounds 3] [--seconds 5] [--warmup 1] [--concurrency 32] [--sdk-concurrency 32]
       npm run bench -- --suite origin [--rounds 6] [--seconds 4] [--warmup 1] [--concurrency 16] [--keys 10000] [--cold-keys 1000]
       npm run bench -- --suite propagation [--changes 100] [--poll-ms 2] [--timeout-ms 5000] [--port-a 3001] [--port-b 3002] [--redis-port 6379]`;

const DEFAULTS: BenchOptions = {
  rounds: 3,
  seconds: 5,
  warmupSeconds: 1,
  concurrency: 16,
  targets: DEFAULT_TARGETS,
};

function positiveNumber(flag: string, raw: string, integer: boolean): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`${flag} needs a positive ${integer ? 'integer' : 'number'}, got "${raw}"`);
  }
  return value;
}

/** Parses `--flag value` and `--flag=value` arguments; unknown flags and bad values throw. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const options = { ...DEFAULTS };
  for (let index = 0; index < argv.length; index++) {
    const [flag, inline] = argv[index]!.split('=', 2) as [string, string | undefined];
    const value = inline ?? argv[++index];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    switch (flag) {
      case '--rounds':
        options.rounds = positiveNumber(flag, value, true);
        break;
      case '--seconds':
        options.seconds = positiveNumber(flag, value, false);
        break;
      case '--warmup':
        options.warmupSeconds = positiveNumber(flag, value, false);
        break;
      case '--concurrency':
        options.concurrency = positiveNumber(flag, value, true);
        break;
      case '--targets':
        options.targets = value.split(',').filter((name) => name.length > 0);
        break;
      default:
        throw new Error(`unknown flag ${flag}`);
    }
  }
  return options;
}
