#!/usr/bin/env node
// `npm start`: embedded mode (gateway/embedded/main.ts) run as plain JavaScript. Bundles it with the
// handlers of serverless.yml (scripts/build.mjs, esbuild, under a second) into a directory of this
// process's own under .esbuild-embedded/, loads it in this process, and removes the directory on
// exit; directories left by a killed server are removed at the next start.
//
// Why not tsx, which needs no build: its output names every function it creates (one
// Object.defineProperty per closure, per request), and measured side by side the bundle serves
// about 10% more GETs (PUTs the same). One directory per process lets servers start side by side
// (the end-to-end suite starts many) without one build replacing another's files under it.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bundles = join(root, '.esbuild-embedded');

removeLeftovers();
const outdir = join(bundles, String(process.pid));
const build = spawnSync(
  process.execPath,
  [
    join(root, 'scripts/build.mjs'),
    '--outdir',
    outdir,
    '--entry',
    'gateway/embedded/main.ts',
    // PGlite runs on a worker thread started from this file (shared/metadata/adapters/pglite-thread-client.ts).
    '--entry',
    'shared/metadata/adapters/pglite-thread.ts',
  ],
  // stdout stays free for the server's JSON log lines; build errors still show.
  { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
);
if (build.status !== 0) {
  process.stderr.write(`mock-s3 failed to start: the build exited with ${build.status ?? build.signal}\n`);
  process.exit(1);
}
process.on('exit', () => rmSync(outdir, { recursive: true, force: true }));
// Source maps stay off: with them on, the idle server held ~50 MB more resident (measured side by
// side, restarts over one data directory). The bundle still carries them:
// NODE_OPTIONS=--enable-source-maps npm start puts the TypeScript sources in stack traces.
await import(pathToFileURL(join(outdir, 'gateway/embedded/main.js')).href);

/** Removes the bundle directories of servers that are no longer running. */
function removeLeftovers() {
  let names;
  try {
    names = readdirSync(bundles);
  } catch {
    return;
  }
  for (const name of names) {
    if (/^\d+$/.test(name) && !isRunning(Number(name))) {
      rmSync(join(bundles, name), { recursive: true, force: true });
    }
  }
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return error.code === 'EPERM';
  }
}
