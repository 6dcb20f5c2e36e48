import type { FaultEngine } from '../faults/engine.js';
import { InjectedFault } from '../faults/injected-fault.js';
import type { FaultService } from '../faults/rule.js';
import { HttpConnectionError, HttpTimeoutError } from '../http/errors.js';
import type { HttpFaultHook, HttpFaultRequest, HttpResponse } from '../http/http-client.js';
import { faultAt } from './fault-point.js';

/**
 * The `http.client` point of the client of `service` (the caller): the fault hook of the service-to-service HTTP client, asked before
 * every attempt (so a rule with `times: 2` fails two attempts, and the retry policy meets the
 * fault as it would meet the real failure). The event names the calling service, the callee
 * (`node`, when the caller gave its name), the outgoing method and path (`endpoint`, e.g.
 * `PUT /blobs/*`) and the body size; the request facts (bucket, key, operation, request id) of
 * the S3 request being served are added by `faultAt`, so a rule can aim at one bucket's calls.
 *
 * - `latency`: waited out before the attempt goes out;
 * - `http_status {status, body?, headers?}`: the callee's answer is replaced, nothing is sent
 *   (a 5xx is retried and counted by the breaker like a real one, a 4xx is returned as is);
 * - `reset`: the attempt fails as a reset connection (`HttpConnectionError`);
 * - `timeout {ms?}`: the attempt is held `ms` (default: the attempt's own limit), then fails as
 *   a timeout (`HttpTimeoutError`).
 *
 * The errors carry the `InjectedFault` as their cause, so logs can tell them from real ones.
 */
export function httpClientFaultHook(engine: FaultEngine, service: FaultService): HttpFaultHook {
  return async (request) => {
    const url = new URL(request.url);
    const hit = await faultAt(engine, {
      service,
      point: 'http.client',
      method: request.method,
      path: `${url.pathname}${url.search}`,
      size: request.size,
      ...(request.peer === undefined ? {} : { node: request.peer }),
    });
    if (!hit) return undefined;
    const { fault, origin } = hit;
    const cause = new InjectedFault(origin, fault);
    switch (fault.type) {
      case 'http_status':
        return injectedResponse(fault.status, fault.body, fault.headers, origin.ruleId);
      case 'reset':
        throw new HttpConnectionError(`${describe(request)}: connection reset (injected)`, request.target, {
          cause,
        });
      case 'timeout':
        // Released early (the rule went), it still fails as a timeout, without the rest of the wait.
        await engine.hold([{ ruleId: origin.ruleId, ms: fault.ms ?? request.timeoutMs }]);
        throw new HttpTimeoutError(`${describe(request)}: no response (injected timeout)`, request.target, {
          cause,
        });
      default:
        // Only the types FAULT_POINTS allows at `http.client` reach here; anything else is inert.
        return undefined;
    }
  };
}

/** Names the rule behind an injected answer (the name `http.server` uses for its header). */
export const INJECTED_RULE_HEADER = 'x-mock-fault-rule';

function injectedResponse(
  status: number,
  body: string | undefined,
  headers: Record<string, string> | undefined,
  ruleId: string,
): HttpResponse {
  const lowered = Object.fromEntries(
    Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return {
    status,
    headers: { ...lowered, [INJECTED_RULE_HEADER]: ruleId },
    body: Buffer.from(body ?? ''),
  };
}

function describe(request: HttpFaultRequest): string {
  return `${request.method} ${request.target}`;
}
