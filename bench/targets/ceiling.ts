import { spawnNode } from './child-server.js';
import { fakeSigV4Headers } from './s3-headers.js';
import type { TargetDefinition } from './target.js';

const READY_TIMEOUT_MS = 30_000;

/** The bare `node:http` server of `bench/peers/ceiling.ts`: the upper bound of a Node HTTP server here. */
export const ceilingTarget: TargetDefinition = {
  name: 'ceiling',
  async start() {
    const server = spawnNode(['--import', 'tsx', 'bench/peers/ceiling.ts']);
    const ready = await server.firstJsonLine(READY_TIMEOUT_MS).catch(async (error: unknown) => {
      await server.stop();
      throw error;
    });
    return {
      name: 'ceiling',
      baseUrl: `http://127.0.0.1:${Number(ready.port)}`,
      headers: () => fakeSigV4Headers(),
      stop: () => server.stop(),
    };
  },
};
