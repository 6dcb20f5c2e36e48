import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { readDrillFile } from './drill-file.js';

/** The folder of the shipped drills (`drills/` at the package's root). */
export const LIBRARY_DIR = fileURLToPath(new URL('../../drills/', import.meta.url));

/**
 * `mock-s3 drill list`: one line per drill of the library — name, the mode it needs, the first
 * sentence of its description — and the file to pass to `drill run`.
 */
export async function listLibrary(dir = LIBRARY_DIR): Promise<string> {
  const files = (await readdir(dir)).filter((file) => /\.ya?ml$/.test(file)).sort();
  const rows: string[][] = [];
  for (const file of files) {
    const path = `${dir}${file}`;
    try {
      const drill = await readDrillFile(path);
      rows.push([drill.name, drill.mode, firstSentence(drill.description), `drills/${file}`]);
    } catch (error) {
      rows.push([file, '?', `unreadable: ${(error as Error).message}`, `drills/${file}`]);
    }
  }
  const nameWidth = Math.max(4, ...rows.map((row) => row[0]!.length));
  const lines = rows.map(
    ([name, mode, what, file]) =>
      `${name!.padEnd(nameWidth)}  ${mode!.padEnd(8)}  ${what}\n${' '.repeat(nameWidth + 12)}${file}`,
  );
  return `${'name'.padEnd(nameWidth)}  ${'mode'.padEnd(8)}  what it shows\n${lines.join('\n')}\n`;
}

function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const end = flat.search(/\.(\s|$)/);
  return end === -1 ? flat : flat.slice(0, end + 1);
}
