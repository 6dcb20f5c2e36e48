import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createEmbeddedGateway,
  type EmbeddedGatewayOptions,
} from '../../gateway/embedded/embedded-gateway.js';
import { loadHandlers } from '../../gateway/embedded/load-handlers.js';
import { loadRouteTable } from '../../gateway/embedded/route-table.js';
import { silentLogger } from '../../shared/telemetry/logger.js';
import { createUnitRuntime, type UnitRuntime } from './unit-runtime.js';

/** The embedded gateway over every handler of serverless.yml, listening on free loopback ports. */
export interface ListeningGateway {
  readonly unit: UnitRuntime;
  readonly s3Port: number;
  readonly controlPort: number;
  /** Closes both planes (open connections too) and the runtime. */
  close(): Promise<void>;
}

/** Starts the gateway on a fresh unit runtime with `options` (body limits, timeouts...). */
export async function listenGateway(
  options: Omit<EmbeddedGatewayOptions, 'routes' | 'handlers' | 'logger'>,
): Promise<ListeningGateway> {
  const unit = await createUnitRuntime();
  const routes = await loadRouteTable(new URL('../../serverless.yml', import.meta.url).pathname);
  const handlers = await loadHandlers(routes, unit.runtime);
  const servers = createEmbeddedGateway({ routes, handlers, logger: silentLogger, ...options });
  const planes: Server[] = [servers.s3, servers.control];
  await Promise.all(planes.map((server) => new Promise<void>((done) => server.listen(0, '127.0.0.1', done))));
  return {
    unit,
    s3Port: (servers.s3.address() as AddressInfo).port,
    controlPort: (servers.control.address() as AddressInfo).port,
    async close() {
      for (const server of planes) {
        server.closeAllConnections();
        await new Promise((done) => server.close(done));
      }
      await unit.runtime.close();
    },
  };
}
