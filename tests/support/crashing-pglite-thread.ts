/**
 * The PGlite thread (pglite-thread.ts) with one addition: the query CRASH_SQL ends the thread at
 * once, as a WebAssembly abort would, before the database sees it.
 */
import { parentPort } from 'node:worker_threads';

export const CRASH_SQL = '-- end this thread now';

// Only as a thread; a test imports this module for CRASH_SQL alone.
if (parentPort) {
  // Registered before the thread's own listener, so it runs first.
  parentPort.on('message', (request: { op: string; sql?: string }) => {
    if (request.op === 'query' && request.sql === CRASH_SQL) process.exit(70);
  });
  await import('../../shared/metadata/adapters/pglite-thread.js');
}
