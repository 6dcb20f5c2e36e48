import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** The repository root, for paths named in docker-compose.yml. */
export const repoRoot = new URL('../../../', import.meta.url);

export interface ComposeHealthcheck {
  test: string[];
}

export interface ComposeService {
  build?: { context: string; dockerfile: string };
  image?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: ComposeHealthcheck;
  profiles?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

/** Reads a repository file as text. */
export function readRepoFile(path: string): string {
  return readFileSync(new URL(path, repoRoot), 'utf8');
}

/**
 * docker-compose.yml as compose sees it with an empty shell environment: `<<` merge keys applied and
 * `${NAME:-default}` in string values replaced by its default (compose interpolates after parsing).
 */
export function loadCompose(): ComposeFile {
  return interpolate(parse(readRepoFile('docker-compose.yml'), { merge: true })) as ComposeFile;
}

function interpolate(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$\{([A-Z0-9_]+):-([^}]*)\}/g,
      (_match, _name: string, fallback: string) => fallback,
    );
  }
  if (Array.isArray(value)) return value.map(interpolate);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, interpolate(inner)]));
  }
  return value;
}

/** The services that run the project's Node image (infrastructure/Dockerfile). */
export function nodeServices(compose: ComposeFile): [string, ComposeService][] {
  return Object.entries(compose.services).filter(
    ([, service]) => service.build?.dockerfile === 'infrastructure/Dockerfile',
  );
}
