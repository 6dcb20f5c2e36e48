/** Turns a mix's weights into a choice from one draw in [0, 1). */
import { LOAD_OPERATIONS, type LoadMix, type LoadOperation } from './types.js';

export interface OperationChooser {
  choose(draw: number): LoadOperation;
}

export function operationChooser(mix: LoadMix): OperationChooser {
  const entries = LOAD_OPERATIONS.filter((name) => (mix[name] ?? 0) > 0).map(
    (name) => [name, mix[name]!] as const,
  );
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  if (entries.length === 0 || !(total > 0)) throw new Error('the mix needs one weight above 0');
  const bounds = entries.map(([name], i) => ({
    name,
    upTo: entries.slice(0, i + 1).reduce((sum, [, weight]) => sum + weight, 0) / total,
  }));
  return {
    choose(draw) {
      for (const bound of bounds) if (draw < bound.upTo) return bound.name;
      return bounds[bounds.length - 1]!.name;
    },
  };
}
