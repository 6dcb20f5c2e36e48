import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readRepoFile, repoRoot } from '../unit/infrastructure/compose-file.js';

/**
 * The collector built from infrastructure/telemetry/otelcol-builder.yaml accepts both of its
 * configurations (the compose one with Elasticsearch and the loopback one of scripts/telemetry.sh)
 * with `otelcol validate`, and Jaeger accepts its own: a component missing from the build, a typo in
 * a key or a pipeline naming an undefined exporter fails here, not at `npm run telemetry`.
 */
jest.setTimeout(60_000);

const run = promisify(execFile);
const root = fileURLToPath(repoRoot);
let binaries: { otelcol: string; jaeger: string };
const scratch = mkdtempSync(join(tmpdir(), 'mock-s3-otelcol-'));

beforeAll(async () => {
  // Built (or found in the cache) by the same script as `npm run telemetry`; cached: instant.
  const { stdout } = await run('bash', [join(root, 'scripts/telemetry-build.sh')], { cwd: root });
  const path = (name: string) => {
    const value = new RegExp(`^${name}=(.*)$`, 'm').exec(stdout)?.[1];
    if (!value) throw new Error(`scripts/telemetry-build.sh printed no ${name}`);
    return value;
  };
  binaries = { otelcol: path('OTELCOL_BIN'), jaeger: path('JAEGER_BIN') };
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Exit code and output of `BINARY validate --config FILE`. */
async function validate(binary: string, config: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(binary, ['validate', `--config=${config}`], { cwd: root });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? -1, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

describe('otelcol validate', () => {
  it.each(['infrastructure/otel-collector.yaml', 'infrastructure/telemetry/otelcol-local.yaml'])(
    'accepts %s',
    async (config) => {
      expect(await validate(binaries.otelcol, join(root, config))).toEqual({
        code: 0,
        output: expect.any(String),
      });
    },
  );

  it('refuses a pipeline that names an exporter the configuration does not define', async () => {
    const broken = join(scratch, 'broken.yaml');
    writeFileSync(
      broken,
      readRepoFile('infrastructure/telemetry/otelcol-local.yaml').replace(
        'exporters: [file/logs, debug]',
        'exporters: [file/logs, debug, otlp/nowhere]',
      ),
    );
    const result = await validate(binaries.otelcol, broken);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('otlp/nowhere');
  });

  it('accepts the Jaeger v2 configuration (jaeger validate)', async () => {
    const result = await validate(binaries.jaeger, join(root, 'infrastructure/telemetry/jaeger.yaml'));
    expect(result.code).toBe(0);
  });
});
