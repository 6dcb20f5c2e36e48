#!/usr/bin/env node
// Bundles every function handler named in serverless.yml with esbuild, one ESM file per handler,
// into .esbuild/ mirroring the source tree (functions/s3-api/handler.ts -> .esbuild/functions/s3-api/handler.js),
// so serverless-offline (`--location .esbuild`) and a Lambda zip load plain JavaScript, not tsx.
//
//   node scripts/build.mjs [--outdir DIR] [--serverless FILE] [--entry path/to/extra.ts ...]
//
// --entry adds handlers that are not in serverless.yml (tests bundle a probe handler this way).
// The dashboard's page script (dashboard/main.ts, for the browser) goes to DIR/dashboard/app.js, where
// functions/admin/dashboard.ts reads it (`npm start` and the stack build through this script).
import { readFile, rm } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    outdir: { type: 'string', default: '.esbuild' },
    serverless: { type: 'string', default: 'serverless.yml' },
    entry: { type: 'string', multiple: true, default: [] },
  },
});

/**
 * Packages left to Node's resolver at run time (they resolve from the project's node_modules):
 * - @electric-sql/pglite loads its .wasm and .data files relative to its own module URL;
 *   bundled, those URLs would point into .esbuild/ where the files are not.
 * - pg-native is an optional native addon `pg` requires only when asked; it is not installed.
 * - etcd3 (stack mode's discovery) loads its gRPC .proto files from `__dirname` at import time.
 * - pg and ioredis (stack mode's PostgreSQL and Redis) are required at their first connection;
 *   bundled, an embedded server would evaluate them at start for nothing.
 */
const EXTERNAL = ['@electric-sql/pglite', '@electric-sql/pglite/*', 'pg-native', 'etcd3', 'pg', 'ioredis'];

/** `functions/s3-api/handler.handler` -> `functions/s3-api/handler.ts`. */
function handlerEntry(handler) {
  const modulePath = handler.slice(0, handler.lastIndexOf('.'));
  return `${modulePath}.ts`;
}

async function entriesFromServerless(file) {
  const doc = parse(await readFile(resolve(root, file), 'utf8'));
  return Object.values(doc.functions ?? {}).map((fn) => handlerEntry(fn.handler));
}

const outdir = resolve(root, values.outdir);
const entries = [...new Set([...(await entriesFromServerless(values.serverless)), ...values.entry])];

await rm(outdir, { recursive: true, force: true });
const started = Date.now();
const result = await build({
  absWorkingDir: root,
  entryPoints: entries,
  outdir,
  outbase: '.',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: true,
  // Two handlers share most of their code; splitting keeps one copy of each shared module, so a
  // process that loads every handler (serverless-offline in-process) builds one runtime, not four.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  external: EXTERNAL,
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __mockS3CreateRequire } from 'node:module'; const require = __mockS3CreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  metafile: true,
});

// One file for the browser, no framework: served by the admin function as /api/v1/admin/dashboard/app.js.
const page = await build({
  absWorkingDir: root,
  entryPoints: ['dashboard/main.ts'],
  outfile: resolve(outdir, 'dashboard/app.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  logLevel: 'warning',
  metafile: true,
});

const outputs = [...Object.entries(result.metafile.outputs), ...Object.entries(page.metafile.outputs)].filter(
  ([file]) => file.endsWith('.js'),
);
const bytes = outputs.reduce((sum, [, output]) => sum + output.bytes, 0);
process.stdout.write(
  `[build] ${entries.length} handlers -> ${relative(process.cwd(), outdir) || '.'} ` +
    `(${outputs.length} files, ${(bytes / 1024).toFixed(0)} KiB, ${Date.now() - started} ms)\n`,
);
