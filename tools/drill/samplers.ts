import { followHitLog } from './actions/hit-log.js';
import { sampleQueue } from './actions/queue-sampler.js';
import { startHttpProbes } from './http-probes.js';
import type { DrillFile, Firing, TargetInfo } from './types.js';

/** What the pollers that ran beside the load collected. */
export interface Sampled {
  readonly firings: readonly Firing[];
  readonly http: ReturnType<ReturnType<typeof startHttpProbes>['stop']>;
  readonly queuePending: readonly { t: number; value: number }[];
}

/**
 * The pollers beside the load: the hit log of the drill's rules, the http probes, the queue's
 * pending count. `stop` ends them all once (later calls answer the same).
 */
export function startSamplers(
  drill: DrillFile,
  target: TargetInfo,
  scenario: string,
  startedAtEpochMs: number,
): { stop(): Promise<Sampled> } {
  const hitLog =
    target.admin === undefined ? undefined : followHitLog(target.admin, scenario, startedAtEpochMs);
  const httpProbes = startHttpProbes(drill.steadyState, startedAtEpochMs);
  const queue = sampleQueue(target.admin, startedAtEpochMs);
  let stopped: Promise<Sampled> | undefined;
  return {
    stop: () => {
      stopped ??= (async () => {
        const http = httpProbes.stop();
        const queuePending = queue.stop();
        return { firings: (await hitLog?.stop()) ?? [], http, queuePending };
      })();
      return stopped;
    },
  };
}
