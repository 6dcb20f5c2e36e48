import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The path of `relativePath` in the directory of the module at `moduleUrl` or the nearest parent
 * that has it. The project's own files (serverless.yml, the OpenAPI documents) are then found alike
 * from the sources (tsx, jest) and from an esbuild bundle anywhere below the project.
 */
export function findUp(relativePath: string, moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const candidate = join(dir, relativePath);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${relativePath} not found above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
}
