import { spawn } from 'node:child_process';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** The credentials every client uses: the service accepts any signature and verifies none. */
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;
export const TEST_REGION = 'us-east-1';

/**
 * The newest AWS SDK v3 S3 client as users configure it: path-style, DEFAULT checksum settings
 * (the SDK's own CRC32 / aws-chunked behaviour is what the suite must survive), test credentials.
 */
export function s3Client(endpoint: string, options: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    forcePathStyle: true,
    maxAttempts: 1,
    ...options,
  });
}

/** What an aws-cli run printed and how it ended. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let cliHome: Promise<string> | undefined;

/**
 * A HOME of our own with a config that pins path-style addressing, so no real profile leaks in.
 * One fixed directory shared by every test file and run (its content never changes), so nothing
 * piles up in /tmp; the config is written to a temporary name and renamed, so a concurrent run
 * never reads half a file.
 */
function cliHomeDir(): Promise<string> {
  cliHome ??= (async () => {
    const home = join(tmpdir(), 'mock-s3-e2e-cli-home');
    await mkdir(join(home, '.aws'), { recursive: true });
    const staging = join(home, '.aws', `config.${process.pid}.tmp`);
    await writeFile(staging, `[default]\nregion = ${TEST_REGION}\ns3 =\n  addressing_style = path\n`);
    await rename(staging, join(home, '.aws', 'config'));
    return home;
  })();
  return cliHome;
}

/**
 * Runs aws-cli (`/usr/bin/aws`, or env AWS_CLI) against `endpoint` with test credentials.
 * Never rejects on a non-zero exit: tests assert on `code`, and the output explains failures.
 */
export async function awsCli(
  args: readonly string[],
  options: { endpoint: string; env?: Record<string, string>; cwd?: string },
): Promise<CliResult> {
  const home = await cliHomeDir();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_DEFAULT_REGION: TEST_REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    AWS_PAGER: '',
    ...options.env,
  };
  const child = spawn(process.env.AWS_CLI ?? '/usr/bin/aws', [...args, '--endpoint-url', options.endpoint], {
    env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return {
    code,
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
  };
}
