import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { ATTR_RPC_SERVICE, ATTR_RPC_SYSTEM } from '@opentelemetry/semantic-conventions/incubating';
import { type FaultOrigin, InjectedFault, InjectedS3Error } from '../shared/faults/injected-fault.js';
import type { ApiEvent } from './request-context.js';

/**
 * The route template the function was matched on, from the event's route key (`ANY /{bucket}/{key+}`,
 * as API Gateway, serverless-offline and the embedded gateway set it); undefined for `$default`,
 * which names no route.
 */
export function routeOf(event: ApiEvent): string | undefined {
  const routeKey = event.routeKey ?? event.requestContext.routeKey;
  const space = routeKey?.indexOf(' ') ?? -1;
  if (space < 0) return undefined;
  return routeKey!.slice(space + 1);
}

/**
 * The name of a request span by the HTTP semantic conventions: `METHOD route` (`PUT /{bucket}/{key+}`),
 * or the method alone when no route is known (https://opentelemetry.io/docs/specs/semconv/http/http-spans/#name).
 */
export function requestSpanName(event: ApiEvent): string {
  const method = event.requestContext.http.method;
  const route = routeOf(event);
  return route === undefined ? method : `${method} ${route}`;
}

/**
 * What a request span knows when it starts (given at start, so a sampler sees them): the HTTP server
 * attributes of the semantic conventions, and, for the S3 data plane (`rpcService`), `rpc.system` and
 * `rpc.service` as the AWS SDK instrumentations set them on their client spans.
 */
export function requestSpanAttributes(event: ApiEvent, rpcService?: string): Attributes {
  const http = event.requestContext.http;
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: http.method,
    [ATTR_URL_PATH]: event.rawPath,
    [ATTR_URL_SCHEME]: event.headers['x-forwarded-proto'] ?? 'http',
    [ATTR_CLIENT_ADDRESS]: http.sourceIp,
  };
  const route = routeOf(event);
  if (route !== undefined) attributes[ATTR_HTTP_ROUTE] = route;
  const version = /^HTTP\/(.+)$/.exec(http.protocol)?.[1];
  if (version !== undefined) attributes[ATTR_NETWORK_PROTOCOL_VERSION] = version;
  const userAgent = event.headers['user-agent'] ?? http.userAgent;
  if (userAgent) attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent;
  const server = serverOf(event.headers.host ?? event.requestContext.domainName);
  if (server.address) attributes[ATTR_SERVER_ADDRESS] = server.address;
  if (server.port !== undefined) attributes[ATTR_SERVER_PORT] = server.port;
  if (rpcService !== undefined) {
    attributes[ATTR_RPC_SYSTEM] = 'aws-api';
    attributes[ATTR_RPC_SERVICE] = rpcService;
  }
  return attributes;
}

/** `server.address` and `server.port` from a `Host` header (`[::1]:9000`, `bucket.s3.local`, ...). */
function serverOf(host: string | undefined): { address?: string; port?: number } {
  if (!host) return {};
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
  if (!match) return { address: host };
  const address = match[1]!.replace(/^\[(.*)\]$/, '$1');
  return match[2] === undefined ? { address } : { address, port: Number(match[2]) };
}

/** How many causes deep an injected fault is looked for (a port error wraps it once or twice). */
const MAX_CAUSE_DEPTH = 8;

/** The rule behind an error when an injected fault caused it, anywhere in its cause chain. */
export function injectedOrigin(error: unknown): FaultOrigin | undefined {
  let current = error;
  for (let depth = 0; current instanceof Error && depth < MAX_CAUSE_DEPTH; depth++) {
    if (current instanceof InjectedFault || current instanceof InjectedS3Error) {
      return { ruleId: current.ruleId, scenario: current.scenario, point: current.point };
    }
    current = current.cause;
  }
  return undefined;
}
