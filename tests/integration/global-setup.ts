import { connect } from 'node:net';
import pg from 'pg';

/** What `npm run services:up` (scripts/services-up.sh) starts. */
export const DEFAULT_DATABASE_URL = 'postgres://mocks3:mocks3@127.0.0.1:5432/mocks3_test';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_ETCD_URL = 'http://127.0.0.1:2379';
/** What scripts/moto-up.sh starts: moto's SQS. */
export const DEFAULT_SQS_ENDPOINT = 'http://127.0.0.1:5055';

const HINT =
  'Start them with `npm run services:up` (bash scripts/services-up.sh) and export the lines it prints.';

/**
 * Jest globalSetup of the integration project: refuses a database whose name does not say "test"
 * (the suites truncate tables), and checks PostgreSQL and Redis answer before any test runs, so a
 * missing server fails once with a clear message instead of as timeouts in every file.
 */
export default async function globalSetup(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  const etcdUrl = process.env.ETCD_URL || DEFAULT_ETCD_URL;
  const sqsEndpoint = process.env.SQS_ENDPOINT || DEFAULT_SQS_ENDPOINT;

  const database = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
  if (!database.includes('test')) {
    throw new Error(
      `Refusing to run integration tests against database "${database}": its name must contain "test" ` +
        '(the tests delete data). Point DATABASE_URL at a test database.',
    );
  }

  await checkPostgres(databaseUrl);
  await checkRedis(redisUrl);
  await checkEtcd(etcdUrl);
  await checkSqs(sqsEndpoint);

  // Workers start after this and inherit the environment: every suite sees the same URLs.
  process.env.DATABASE_URL = databaseUrl;
  process.env.REDIS_URL = redisUrl;
  process.env.ETCD_URL = etcdUrl;
  process.env.SQS_ENDPOINT = sqsEndpoint;
}

/** Any HTTP answer will do: an SQS endpoint answers even an unsigned GET (with an error document). */
async function checkSqs(endpoint: string): Promise<void> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(3000) });
  } catch (error) {
    throw new Error(
      `SQS at ${endpoint} does not answer (${describe(error)}). Start moto with \`bash scripts/moto-up.sh\`.`,
    );
  }
}

async function checkEtcd(url: string): Promise<void> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) throw new Error(`/health answered ${response.status}`);
  } catch (error) {
    throw new Error(
      `etcd at ${url} does not answer (${describe(error)}). Start it with \`bash scripts/etcd-up.sh\`.`,
    );
  }
}

async function checkPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000, query_timeout: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`PostgreSQL at ${redact(url)} does not answer (${describe(error)}). ${HINT}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** PING over a raw socket (with AUTH when the URL has a password): no client library needed. */
async function checkRedis(url: string): Promise<void> {
  const parsed = new URL(url);
  const port = Number(parsed.port || 6379);
  const host = parsed.hostname || '127.0.0.1';
  const password = decodeURIComponent(parsed.password);
  const username = decodeURIComponent(parsed.username);
  const commands = password
    ? [resp(username ? ['AUTH', username, password] : ['AUTH', password]), resp(['PING'])]
    : [resp(['PING'])];
  try {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host, port });
      let received = '';
      socket.setTimeout(3000, () => socket.destroy(new Error('timed out after 3000 ms')));
      socket.on('connect', () => socket.write(commands.join('')));
      socket.on('data', (chunk) => {
        received += chunk.toString('utf8');
        if (received.includes('PONG') || received.startsWith('-')) {
          socket.end();
          resolve(received);
        }
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(received));
    });
    if (!reply.includes('PONG')) throw new Error(reply.trim() || 'no reply to PING');
  } catch (error) {
    throw new Error(`Redis at ${redact(url)} does not answer PING (${describe(error)}). ${HINT}`);
  }
}

function resp(parts: string[]): string {
  return `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

function describe(error: unknown): string {
  if (error instanceof AggregateError) return error.errors.map(describe).join('; ');
  return error instanceof Error ? error.message || error.name : String(error);
}
