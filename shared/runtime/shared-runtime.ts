import { loadConfig } from '../config/env.js';
import { createRuntime } from './create-runtime.js';
import type { Runtime } from './runtime.js';

let shared: Promise<Runtime> | undefined;

/** The one runtime of a Lambda container (or serverless-offline process), built from the environment. */
export function sharedRuntime(): Promise<Runtime> {
  shared ??= createRuntime(loadConfig()).catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}
