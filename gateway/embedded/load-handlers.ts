import type { Runtime } from '../../shared/runtime/runtime.js';
import type { FunctionHandler } from './embedded-gateway.js';
import type { Route } from './route-table.js';

interface FunctionModule {
  createHandler(runtime: Runtime): FunctionHandler;
}

/**
 * Loads each function module named in the route table and builds its handler over the gateway's
 * runtime (every module exports `createHandler(runtime)` beside its Lambda `handler`).
 */
export async function loadHandlers(
  routes: readonly Route[],
  runtime: Runtime,
): Promise<Map<string, FunctionHandler>> {
  const handlers = new Map<string, FunctionHandler>();
  for (const route of routes) {
    if (handlers.has(route.functionName)) continue;
    // Relative to this module, so tsx and jest map `.js` to the TypeScript source and the bundle of
    // scripts/start.mjs finds the handler bundles beside it. A variable, not a template literal:
    // esbuild would otherwise try to bundle every `.js` file below the project root.
    const specifier = `../../${route.module}.js`;
    const module = (await import(specifier)) as FunctionModule;
    if (typeof module.createHandler !== 'function') {
      throw new Error(`${route.module} does not export createHandler(runtime)`);
    }
    handlers.set(route.functionName, module.createHandler(runtime));
  }
  return handlers;
}
