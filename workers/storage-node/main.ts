import { createFsNode } from '../../shared/storage/adapters/fs-node.js';
import { createLogger } from '../../shared/telemetry/logger.js';
import { loadStorageNodeConfig } from './config.js';
import { createStorageNodeServer } from './server.js';

/** The storage-node worker: one process serving one directory over HTTP (stack mode). */
const config = loadStorageNodeConfig();
const logger = createLogger({ level: 'info' }, { service: 'storage-node', node: config.nodeId });
const node = createFsNode({ id: config.nodeId, dir: config.dir });
const server = createStorageNodeServer(node, logger);

server.listen(config.port, config.host, () => {
  const address = server.address();
  logger.info('storage node listening', { address });
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info('storage node stopping', { signal });
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
