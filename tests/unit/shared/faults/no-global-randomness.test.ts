import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const root = join(process.cwd(), 'shared', 'faults');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('shared/faults', () => {
  it('reads neither a global generator nor the wall clock', () => {
    // Prepare
    const files = sources(root);

    // Act
    const offenders = files.filter((file) =>
      /Math\.random|Date\.now\(|new Date\(\)/.test(readFileSync(file, 'utf8')),
    );

    // Assess
    expect(files.length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });
});
