import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultEngine } from '../faults/engine.js';
import type { Task, TaskHandler, TaskQueue } from '../queue/ports.js';
import { faultAt } from './fault-point.js';

/** How long a `reorder`ed message waits for the next one to overtake it. */
const REORDER_HOLD_MS = 200;

/**
 * The task queue's points: `queue.publish` (a message lost, duplicated, delayed, poisoned or
 * overtaken by the next one) and `queue.consume` (the same, seen by the worker). Publishing
 * still resolves for a dropped or delayed message: the producer believes it was sent.
 */
export function withQueueFaults(queue: TaskQueue, engine: FaultEngine): TaskQueue {
  let held: { task: Task; timer: NodeJS.Timeout } | undefined;
  const release = () => {
    if (!held) return;
    const { task, timer } = held;
    held = undefined;
    clearTimeout(timer);
    queue.publish(task).catch(() => undefined);
  };

  return {
    ...queue,
    async publish(task) {
      const hit = await faultAt(engine, { service: 'async', point: 'queue.publish', operation: task.type });
      switch (hit?.fault.type) {
        case 'drop':
          return;
        case 'duplicate':
          for (let copy = 0; copy < hit.fault.copies; copy++) await queue.publish(task);
          break;
        case 'delay': {
          const ms = hit.fault.ms;
          setTimeout(() => queue.publish(task).catch(() => undefined), ms).unref();
          return;
        }
        case 'dead_letter':
          await queue.publish({ ...task, poisonedBy: hit.origin.ruleId });
          release();
          return;
        case 'reorder':
          release();
          held = { task, timer: setTimeout(release, REORDER_HOLD_MS).unref() };
          return;
      }
      await queue.publish(task);
      release();
    },
    consume(handler: TaskHandler) {
      queue.consume(async (delivery) => {
        const { poisonedBy } = delivery.task;
        if (poisonedBy !== undefined)
          throw new Error(`poisoned task (injected dead_letter, rule ${poisonedBy})`);
        const hit = await faultAt(engine, {
          service: 'async',
          point: 'queue.consume',
          operation: delivery.task.type,
        });
        switch (hit?.fault.type) {
          case 'drop':
            return;
          case 'duplicate':
            for (let copy = 0; copy < hit.fault.copies; copy++) await handler(delivery);
            break;
          case 'delay':
            await sleep(hit.fault.ms);
            break;
          case 'dead_letter':
            // The queue would redeliver the original untouched (a new object, maybe to another
            // process): it is replaced by a poisoned copy, and the original acknowledged.
            await queue.publish({ ...delivery.task, poisonedBy: hit.origin.ruleId });
            return;
          case 'reorder':
            await sleep(REORDER_HOLD_MS);
            break;
        }
        return handler(delivery);
      });
    },
    stats: () => queue.stats(),
    drain: () => queue.drain(),
    close: () => queue.close(),
  };
}
