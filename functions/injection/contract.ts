import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { findUp } from '../../shared/runtime/find-up.js';

/** The contract of the injection service, relative to the project root. */
export const CONTRACT_PATH = 'docs/openapi/injection.yaml';

let contract: Record<string, unknown> | undefined;

/**
 * The OpenAPI document of the control plane, parsed once. The file is looked for in the parent
 * directories of this module, so the same code finds it from the sources (tsx, jest) and from the
 * esbuild bundle in `.esbuild/functions/injection/`.
 */
export function loadContract(): Record<string, unknown> {
  contract ??= parse(readFileSync(findUp(CONTRACT_PATH, import.meta.url), 'utf8')) as Record<string, unknown>;
  return contract;
}
