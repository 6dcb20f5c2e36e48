import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The contract of the injection service, relative to the project root. */
export const CONTRACT_PATH = 'docs/openapi/injection.yaml';

let contract: Record<string, unknown> | undefined;

/**
 * The OpenAPI document of the control plane, parsed once. The file is looked for in the parent
 * directories of this module, so the same code finds it from the sources (tsx, jest) and from the
 * esbuild bundle in `.esbuild/functions/injection/`.
 */
export function loadContract(): Record<string, unknown> {
  contract ??= parse(readFileSync(findContract(), 'utf8')) as Record<string, unknown>;
  return contract;
}

function findContract(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, CONTRACT_PATH);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${CONTRACT_PATH} not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
