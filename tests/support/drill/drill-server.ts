import { afterAll, beforeAll } from '@jest/globals';
import { type FaultTarget, startFaultServer } from '../e2e/faults.js';
import { reportsDir } from './run-drill.js';

/** The embedded server and the report folders one chaos test file runs its drills with. */
export interface DrillServer {
  readonly server: FaultTarget;
  readonly reports: Awaited<ReturnType<typeof reportsDir>>;
}

/**
 * Starts an embedded server (control plane included) and a report folder for the calling file in
 * `beforeAll`, and closes and removes them in `afterAll`. Read the fields inside tests only.
 */
export function useDrillServer(options?: Parameters<typeof startFaultServer>[0]): DrillServer {
  let server: FaultTarget | undefined;
  let reports: DrillServer['reports'] | undefined;
  beforeAll(async () => {
    server = await startFaultServer(options);
    reports = await reportsDir();
  });
  afterAll(async () => {
    await server?.close();
    await reports?.remove();
  });
  return {
    get server() {
      if (server === undefined) throw new Error('the drill server starts in beforeAll');
      return server;
    },
    get reports() {
      if (reports === undefined) throw new Error('the report folder is made in beforeAll');
      return reports;
    },
  };
}
