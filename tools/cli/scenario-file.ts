import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parse } from 'yaml';

export interface ScenarioFile {
  name: string;
  rules: unknown[];
}

/**
 * Reads a scenario file (YAML or JSON: `{name?, description?, rules: [...]}`). The scenario is
 * named by `nameOverride`, else the file's `name`, else the file name without its extension.
 */
export async function readScenarioFile(path: string, nameOverride?: string): Promise<ScenarioFile> {
  return parseScenarioFile(await readFile(path, 'utf8'), path, nameOverride);
}

/** The parsing half of {@link readScenarioFile}, for callers that read the text themselves. */
export function parseScenarioFile(text: string, path: string, nameOverride?: string): ScenarioFile {
  // YAML is a superset of JSON, so one parser reads both.
  const doc = parse(text) as unknown;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new Error(`${path}: a scenario file is an object with a rules list`);
  }
  const fields = doc as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!['name', 'description', 'rules'].includes(key)) throw new Error(`${path}: unknown field ${key}`);
  }
  if (!Array.isArray(fields.rules)) throw new Error(`${path}: rules must be a list`);
  const fileName = basename(path, extname(path));
  const name = nameOverride ?? (typeof fields.name === 'string' ? fields.name : fileName);
  return { name, rules: fields.rules };
}
