import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../shared/config/env.js';
import { createRateLimiter } from '../../shared/http/rate-limit.js';
import { createRuntime } from '../../shared/runtime/create-runtime.js';
import { warnIfExposed } from '../../shared/runtime/exposure-warning.js';
import { findUp } from '../../shared/runtime/find-up.js';
import { runMain } from '../../shared/runtime/run-main.js';
import { createEmbeddedGateway } from './embedded-gateway.js';
import { loadHandlers } from './load-handlers.js';
import { loadRouteTable } from './route-table.js';

/**
 * Embedded mode (`npm start`): one process, no external server. S3 on PORT, the control plane on
 * ADMIN_PORT, metadata in PGlite and storage nodes as directories under DATA_DIR.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const pgliteThread = pgliteThreadScript();
  const runtime = await createRuntime(config, pgliteThread ? { pgliteThread } : {});
  const routes = await loadRouteTable(findUp('serverless.yml', import.meta.url));
  const handlers = await loadHandlers(routes, runtime);
  const servers = createEmbeddedGateway({
    routes,
    handlers,
    logger: runtime.logger,
    faults: runtime.faults,
    tracer: runtime.tracerFor('gateway'),
    rateLimit: createRateLimiter({
      limit: () => runtime.dynamicConfig?.live.get('gateway.rateLimit') ?? 0,
      clock: runtime.services.clock,
    }),
    ...config.gateway,
  });
  await Promise.all([
    listen(servers.s3, config.port, config.host),
    listen(servers.control, config.adminPort, config.host),
  ]);
  const s3Port = (servers.s3.address() as { port: number }).port;
  const adminPort = (servers.control.address() as { port: number }).port;
  const planes = {
    s3: `http://${config.host}:${s3Port}`,
    controlPlane: `http://${config.host}:${adminPort}`,
  };
  runtime.logger.info('mock-s3 ready', {
    s3: planes.s3,
    control_plane: planes.controlPlane,
    data_dir: config.dataDir,
    // Whether an answered write is flushed to the disk (STORAGE_FSYNC) or only in the page cache.
    storage_fsync: config.storage.fsync,
    ...(config.metadata.backend === 'pglite' ? { pglite: pgliteThread ? 'own thread' : 'event loop' } : {}),
  });
  warnIfExposed(runtime.logger, config.host, planes);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    runtime.logger.info('shutting down', { signal });
    await Promise.all([close(servers.s3), close(servers.control)]);
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

/** Stops accepting, lets in-flight requests finish, then drops idle keep-alive connections. */
function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 5000).unref();
  });
}

runMain('mock-s3', main);

/**
 * The PGlite thread's script beside this module: the bundle `npm start` builds holds it as
 * JavaScript (scripts/start.mjs adds it as an entry), the sources as TypeScript. A bundle built
 * without it runs PGlite on the event loop, as before.
 */
function pgliteThreadScript(): URL | undefined {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const script = new URL(`../../shared/metadata/adapters/pglite-thread.${extension}`, import.meta.url);
  return existsSync(fileURLToPath(script)) ? script : undefined;
}
