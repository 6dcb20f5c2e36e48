import { describe, expect, test } from '@jest/globals';
import { run } from '../../../../tools/cli/main.js';
import { captureIo } from '../../../support/drill/run-drill.js';

async function cli(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const captured = captureIo();
  const code = await run(argv, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('mock-s3 drill (arguments)', () => {
  test('mock-s3 --help names the drill command; drill --help prints its usage with exit 0', async () => {
    expect((await cli(['--help'])).stdout).toMatch(/drill run FILE\.yaml/);
    const help = await cli(['drill', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--time-scale F/);
    expect(help.stdout).toMatch(
      /exit status of run: 0 passed, 1 a probe violated, 2 could not run, 130 aborted/,
    );
  });

  test.each([
    [['drill'], /a subcommand is required/],
    [['drill', 'walk'], /unknown: walk/],
    [['drill', 'run'], /takes one drill file/],
    [['drill', 'run', 'a.yaml', 'b.yaml'], /takes one drill file/],
    [['drill', 'run', 'a.yaml', '--speed', '2'], /--speed/],
    [['drill', 'run', 'a.yaml', '--time-scale', 'fast'], /--time-scale: must be a number, got fast/],
  ])('%j: exit 2 with the mistake named', async (argv, message) => {
    const answer = await cli(argv);

    expect(answer.code).toBe(2);
    expect(answer.stderr).toMatch(message);
  });

  test('a drill file that does not exist: exit 2 naming it', async () => {
    const answer = await cli(['drill', 'run', '/nonexistent/drill.yaml', '--target', 'http://127.0.0.1:1']);

    expect(answer.code).toBe(2);
    expect(answer.stderr).toMatch(/\/nonexistent\/drill\.yaml: no such drill file/);
  });
});
