import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

/** Which listener a route belongs to (ARCHITECTURE.md, Ports). */
export type Plane = 's3' | 'control';

export interface Route {
  method: string;
  /** API Gateway route path, e.g. `/{bucket}/{key+}`. */
  path: string;
  plane: Plane;
  functionName: string;
  /** `functions/s3-api/handler.handler` -> module `functions/s3-api/handler`, export `handler`. */
  module: string;
  /** Matches a raw path; `{name}` is one segment, `{name+}` the rest (at least one character). */
  pattern: RegExp;
}

interface ServerlessFile {
  functions?: Record<
    string,
    { handler: string; events?: { httpApi?: string | { method: string; path: string } }[] }
  >;
}

/** Reads every function's HTTP routes from serverless.yml, the single route table. */
export async function loadRouteTable(serverlessYmlPath: string): Promise<Route[]> {
  const file = parse(await readFile(serverlessYmlPath, 'utf8')) as ServerlessFile;
  const routes: Route[] = [];
  for (const [functionName, fn] of Object.entries(file.functions ?? {})) {
    for (const event of fn.events ?? []) {
      if (!event.httpApi) continue;
      const [method, path] =
        typeof event.httpApi === 'string'
          ? event.httpApi.split(/\s+/, 2)
          : [event.httpApi.method, event.httpApi.path];
      if (!method || !path)
        throw new Error(`serverless.yml: function ${functionName} has a malformed httpApi route`);
      routes.push({
        method: method.toUpperCase(),
        path,
        plane: isControlPlane(path) ? 'control' : 's3',
        functionName,
        module: fn.handler.slice(0, fn.handler.lastIndexOf('.')),
        pattern: compilePath(path),
      });
    }
  }
  // Static routes before parameterised ones, as API Gateway prefers the most specific route.
  return routes.sort((a, b) => specificity(b.path) - specificity(a.path));
}

/**
 * What `/` is on the control listener: the dashboard. Not a route of its own in serverless.yml,
 * where `/` is S3's ListBuckets (serverless-offline serves both planes on one port; nginx maps
 * `/` of its control server here too).
 */
export const CONTROL_PLANE_HOME = '/api/v1/admin/dashboard';

export function isControlPlane(path: string): boolean {
  return path.startsWith('/api/v1/') || path === '/metrics' || path === '/health';
}

/** The route for a request on one listener, or undefined. */
export function matchRoute(
  routes: readonly Route[],
  plane: Plane,
  method: string,
  rawPath: string,
): Route | undefined {
  const path = plane === 'control' && rawPath === '/' ? CONTROL_PLANE_HOME : rawPath;
  return routes.find(
    (route) =>
      route.plane === plane &&
      (route.method === 'ANY' || route.method === method) &&
      route.pattern.test(path),
  );
}

function compilePath(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => {
      if (/^\{[^}]+\+\}$/.test(segment)) return '.+';
      if (/^\{[^}]+\}$/.test(segment)) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  // `/{bucket}` also takes `/bucket/` (a trailing slash), as S3 does.
  return new RegExp(`^${source}/?$`);
}

function specificity(path: string): number {
  return (
    path.split('/').filter((segment) => segment !== '' && !segment.startsWith('{')).length * 10 -
    (path.includes('+}') ? 1 : 0)
  );
}
