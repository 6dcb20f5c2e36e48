/**
 * Undoes one registry entry (the drill's rules, the kill switch, a partition, a stopped node or
 * backend, the origin it gave its bucket). Shared by the actuator's rollback and by
 * `cleanupLeftovers`, so a crashed runner's leftovers are undone exactly as a finished runner
 * undoes its own.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ControlApiError, sendControl } from '../../cli/control-client.js';
import { startWorker } from './nodes.js';
import { heal } from './partition.js';
import { startService } from './services.js';
import type { UndoEntry } from './undo-registry.js';

const CONTROL_TIMEOUT_MS = 5_000;
/** The control plane may be coming back (a backend just restarted): a few tries, seconds apart. */
const CONTROL_ATTEMPTS = 4;

async function control(
  admin: string,
  method: 'POST' | 'DELETE',
  path: string,
  attempts: number,
): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await sendControl(admin, { method, path }, AbortSignal.timeout(CONTROL_TIMEOUT_MS));
    } catch (error) {
      const refused = error instanceof ControlApiError && error.status !== undefined && error.status < 500;
      if (refused || attempt >= attempts) throw error;
      await delay(1_000 * attempt);
    }
  }
}

/**
 * Undoes `entry`; resolves with a line for the report, rejects when it could not. `controlAttempts`:
 * tries of a control request that gets no answer (a rollback waits for a control plane coming back;
 * a cleanup of an old run's leftovers does not).
 */
export async function undoEntry(
  entry: UndoEntry,
  options: { controlAttempts?: number } = {},
): Promise<string> {
  const attempts = options.controlAttempts ?? CONTROL_ATTEMPTS;
  switch (entry.kind) {
    case 'rules':
      try {
        const answer = (await control(
          entry.admin,
          'DELETE',
          `/scenarios/${encodeURIComponent(entry.scenario)}`,
          attempts,
        )) as {
          removed?: number;
        };
        return `removed ${answer.removed ?? 0} rule(s) of scenario ${entry.scenario}`;
      } catch (error) {
        // 404: nothing of the scenario is left (cleared, expired or switched off): done.
        if (error instanceof ControlApiError && error.status === 404)
          return `no rule of scenario ${entry.scenario} left`;
        throw error;
      }
    case 'origin':
      try {
        await control(entry.admin, 'DELETE', `/api/v1/origins/${encodeURIComponent(entry.bucket)}`, attempts);
        return `origin of bucket ${entry.bucket} removed`;
      } catch (error) {
        if (error instanceof ControlApiError && error.status === 404)
          return `no origin of bucket ${entry.bucket} left`;
        throw error;
      }
    case 'engine':
      await control(entry.admin, 'POST', '/enable', attempts);
      return 'fault engine switched back on (the drill had pulled the kill switch)';
    case 'partition':
      await heal(entry.chain);
      return `${entry.node} healed (nftables chain ${entry.chain} removed)`;
    case 'node':
      return await startWorker(entry);
    case 'service':
      return await startService(entry.start, entry.runDir);
  }
}
