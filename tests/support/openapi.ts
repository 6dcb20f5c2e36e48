import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadRouteTable } from '../../gateway/embedded/route-table.js';
import { bodyBytes } from '../../layers/binary-body.js';
import type { LambdaHandler } from '../../layers/compose-handler.js';
import { INJECTION_POINTS } from '../../shared/faults/rule.js';
import { checkSchema, resolveRef, type Schema } from './json-schema.js';
import { apiEvent, unitContext } from './unit-runtime.js';

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head'] as const;

/** One operation of an OpenAPI document. */
export interface DocumentedOperation {
  /** Path template as documented, e.g. `/api/v1/storage/replicas/{bucket}/{key}`. */
  path: string;
  method: string;
  operationId: string;
  operation: Schema;
}

/** Parses `docs/openapi/<name>.yaml`. */
export function loadOpenApi(name: string): Schema {
  return parse(readFileSync(new URL(`../../docs/openapi/${name}.yaml`, import.meta.url), 'utf8')) as Schema;
}

export function documentedOperations(doc: Schema): DocumentedOperation[] {
  const out: DocumentedOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Schema>)) {
    for (const method of METHODS) {
      const operation = item[method] as Schema | undefined;
      if (operation !== undefined) {
        out.push({
          path,
          method: method.toUpperCase(),
          operationId: operation.operationId as string,
          operation,
        });
      }
    }
  }
  return out;
}

/** `METHOD /path operationId`, sorted, for comparing two route lists. */
export function routeKeys(
  routes: readonly { method: string; path: string; operationId?: string }[],
): string[] {
  return routes
    .map((r) =>
      [r.method, normalisePath(r.path), r.operationId].filter((part) => part !== undefined).join(' '),
    )
    .sort();
}

/**
 * The HTTP routes serverless.yml gives these functions, as `METHOD /path` with API Gateway's greedy
 * `{key+}` written `{key}`, as OpenAPI writes it.
 */
export async function serverlessRoutes(
  functionNames: readonly string[],
): Promise<{ method: string; path: string }[]> {
  const table = await loadRouteTable(new URL('../../serverless.yml', import.meta.url).pathname);
  return table
    .filter((route) => functionNames.includes(route.functionName))
    .map((route) => ({ method: route.method, path: normalisePath(route.path) }));
}

/** API Gateway's greedy `{key+}` written `{key}`, as OpenAPI writes it. */
export function normalisePath(path: string): string {
  return path.replace(/\{([^}]+)\+\}/g, '{$1}');
}

/** The documented statuses of every operation, as `operationId status`, sorted. */
export function documentedStatuses(operations: readonly DocumentedOperation[]): string[] {
  return operations
    .flatMap((o) =>
      Object.keys(o.operation.responses as Schema).map((status) => `${o.operationId} ${status}`),
    )
    .sort();
}

/** The response object of a status, following a `$ref` to components/responses. */
export function documentedResponse(doc: Schema, operation: Schema, status: number): Schema | undefined {
  const response = (operation.responses as Record<string, Schema>)[String(status)];
  if (response === undefined) return undefined;
  return typeof response.$ref === 'string' ? resolveRef(doc, response.$ref) : response;
}

/**
 * Checks an answer against the documented response of its status: a documented status, the
 * documented media type, and a body that follows its schema. Returns the problems (empty: valid).
 */
export function checkAnswer(
  doc: Schema,
  operation: Schema,
  answer: { status: number; contentType: string | undefined; body: unknown },
): string[] {
  const response = documentedResponse(doc, operation, answer.status);
  if (response === undefined) return [`status ${answer.status} is not documented`];
  const content = response.content as Record<string, { schema: Schema }> | undefined;
  if (content === undefined) {
    return answer.body === undefined ? [] : [`status ${answer.status} documents no body, got one`];
  }
  const mediaType = (answer.contentType ?? '').split(';')[0]!.trim();
  const documented = content[mediaType];
  if (documented === undefined) return [`media type ${mediaType} is not documented for ${answer.status}`];
  return checkSchema(doc, documented.schema, answer.body);
}

/** Every operation names its fault points, and only points the engine knows. */
export function checkInjectionPoints(operations: readonly DocumentedOperation[]): string[] {
  const known = new Set<string>(INJECTION_POINTS.map((p) => p.point));
  const problems: string[] = [];
  for (const { operationId, operation } of operations) {
    const points = operation['x-injection-points'];
    if (!Array.isArray(points)) problems.push(`${operationId}: no x-injection-points list`);
    else {
      for (const point of points) {
        if (!known.has(point as string)) problems.push(`${operationId}: unknown point ${String(point)}`);
      }
    }
  }
  return problems;
}

/**
 * True when a concrete path fits a documented template; a `{key}` last segment is greedy (the
 * `{key+}` of the route), so it takes the rest of the path, `/` included.
 */
export function templateMatches(template: string, path: string): boolean {
  const a = template.split('/');
  const b = path.split('/');
  const greedy = a[a.length - 1] === '{key}';
  if (greedy ? b.length < a.length : a.length !== b.length) return false;
  return a.every((part, i) => (part.startsWith('{') ? b[i] !== '' : part === b[i]));
}

/** A request to one operation and the status the contract says it gets. */
export interface ContractCase<C> {
  operationId: string;
  status: number;
  method: string;
  path: string;
  query?: string;
  /** A JSON body (serialised) or raw bytes. */
  body?: unknown;
  setup?: (context: C) => Promise<unknown>;
}

/** What came back, with the body parsed by its media type (JSON, text, or undefined when empty). */
export interface ContractAnswer {
  status: number;
  contentType: string | undefined;
  body: unknown;
}

export interface ContractSuite<C> {
  /** `docs/openapi/<document>.yaml`. */
  document: string;
  /** The routes declared for the implementation (serverless.yml, or the worker's route list). */
  declared: (context: C) => Promise<{ method: string; path: string }[]>;
  /** The handler's own route table, with operation ids, where it has one. */
  handled?: readonly { method: string; path: string; operationId: string }[];
  open: () => Promise<C>;
  close: (context: C) => Promise<void>;
  /** Runs before every case (empty the stores, clear rules). */
  reset?: (context: C) => Promise<void>;
  call: (context: C, request: ContractCase<C>) => Promise<ContractAnswer>;
  cases: readonly ContractCase<C>[];
  /** A body that breaks a documented schema, and a problem the checker must report for it. */
  broken: { schema: string; value: unknown; problem: string };
}

/** Parses a response body by its media type. */
export function parseBody(contentType: string | undefined, bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  const text = bytes.toString('utf8');
  return (contentType ?? '').startsWith('application/json') ? (JSON.parse(text) as unknown) : text;
}

/** Sends a request through a Lambda handler (the real Middy pipeline) and parses the answer. */
export async function callLambda(
  handler: LambdaHandler,
  request: { method: string; path: string; query?: string; body?: unknown },
  functionName: string,
): Promise<ContractAnswer> {
  const body =
    request.body === undefined || Buffer.isBuffer(request.body) ? request.body : JSON.stringify(request.body);
  const result = await handler(
    apiEvent({
      method: request.method,
      path: request.path,
      ...(request.query === undefined ? {} : { query: request.query }),
      ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
    }),
    unitContext(functionName),
  );
  const contentType = result.headers?.['content-type'] as string | undefined;
  return { status: result.statusCode ?? 0, contentType, body: parseBody(contentType, bodyBytes(result)) };
}
