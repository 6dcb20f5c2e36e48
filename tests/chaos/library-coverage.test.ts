import { readdir } from 'node:fs/promises';
import { describe, expect, test } from '@jest/globals';
import { readDrillFile } from '../../tools/drill/drill-file.js';
import { EMBEDDED_CASES, STACK_CASES } from '../support/drill/library-cases.js';
import { drillCommand, LIBRARY } from '../support/drill/run-drill.js';

describe('the drill library', () => {
  test('every drill of drills/ is run by a chaos test, in the mode it says it needs', async () => {
    const files = (await readdir(LIBRARY)).filter((file) => file.endsWith('.yaml')).sort();
    const embedded = Object.values(EMBEDDED_CASES).flatMap((cases) => cases.map((c) => c.file));
    const stack = STACK_CASES.map((c) => c.file);

    expect([...embedded, ...stack].sort()).toEqual(files);
    for (const file of files) {
      const drill = await readDrillFile(`${LIBRARY}${file}`);
      expect({ file, mode: drill.mode }).toEqual({ file, mode: stack.includes(file) ? 'stack' : 'any' });
      // Each says what it shows, its expected verdict and its mode.
      expect(drill.description).toMatch(/Expected verdict: (passed|failed)/);
      expect(drill.description).toMatch(/Mode: /);
    }
  });

  test('drill list names each drill with its mode and what it shows', async () => {
    const { code, stdout } = await drillCommand(['list']);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^read-after-write-miss\s+any\s+Strong consistency lost for a while/m);
    expect(stdout).toMatch(/^node-kill\s+stack\s+/m);
    expect(stdout).toContain('drills/network-isolation.yaml');
  });
});
