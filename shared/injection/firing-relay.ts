/**
 * Hands the firings of a process's fault engine to sinks attached after the engine was made (the
 * shared hit log of stack mode is opened by the fault control plane, which needs the engine).
 */
import type { Firing } from '../faults/hit-log.js';

export interface FiringRelay {
  /** The engine's `onFire`: passes `firing` to every attached sink. */
  emit(firing: Firing): void;
  /** Adds a sink; returns its removal. */
  attach(sink: (firing: Firing) => void): () => void;
}

/** A relay with no sink yet (firings emitted before a sink is attached are not kept). */
export function createFiringRelay(): FiringRelay {
  const sinks = new Set<(firing: Firing) => void>();
  return {
    emit(firing) {
      for (const sink of sinks) sink(firing);
    },
    attach(sink) {
      sinks.add(sink);
      return () => sinks.delete(sink);
    },
  };
}
