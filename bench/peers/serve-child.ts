import type { Server } from 'node:http';

/**
 * Serves a bench peer started as a child process: listens on a free loopback port, prints
 * `{"port":N}` for the parent to read, and closes on SIGTERM.
 */
export function serveChild(server: Server): void {
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    process.stdout.write(`${JSON.stringify({ port })}\n`);
  });

  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
