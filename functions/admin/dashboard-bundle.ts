import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The dashboard's script as the page loads it. */
export interface DashboardScript {
  body: string;
  /** A strong validator of the bytes: a reload sends it back and gets a 304. */
  etag: string;
}

/**
 * Reads the page's script: `dashboard/app.js` beside the handler bundles, which scripts/build.mjs
 * writes next to them (`npm run build`, `npm start`, the stack). Run from the TypeScript sources
 * (tsx, jest) there is no bundle: esbuild, a development dependency there, bundles
 * `dashboard/main.ts` in memory once. Read once per process.
 */
export function dashboardScript(moduleUrl: string): () => Promise<DashboardScript> {
  let loaded: Promise<DashboardScript> | undefined;
  return () => {
    loaded ??= load(moduleUrl).catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
}

async function load(moduleUrl: string): Promise<DashboardScript> {
  const fromSources = moduleUrl.endsWith('.ts');
  const body = fromSources
    ? await bundleFromSources(fileURLToPath(new URL('../../dashboard/main.ts', moduleUrl)))
    : await readFile(new URL('../../dashboard/app.js', moduleUrl), 'utf8');
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** The options scripts/build.mjs bundles the page with (kept the same by the browser test). */
async function bundleFromSources(entry: string): Promise<string> {
  // A variable, so that the handler's own bundle does not try to include esbuild.
  const esbuildModule = 'esbuild';
  const { build } = (await import(esbuildModule)) as typeof import('esbuild');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
