import type { MiddlewareObj, Request } from '@middy/core';
import type { PendingFiring } from '../shared/faults/deferred-firing.js';
import type { FaultEngine, FaultOutcome } from '../shared/faults/engine.js';
import { FAULT_HEADER } from '../shared/faults/header-fault.js';
import { InjectedFault, s3ErrorFor } from '../shared/faults/injected-fault.js';
import type { FaultEvent } from '../shared/faults/match.js';
import type { FaultService } from '../shared/faults/rule.js';
import { RuleValidationError } from '../shared/faults/validation.js';
import { currentRequestFacts } from '../shared/injection/request-scope.js';
import { S3Error } from '../shared/s3/errors.js';
import { ErrorResponse } from './error-response.js';
import type { ApiEvent, ApiResult, RequestContext } from './request-context.js';
import { withSocketAction } from './socket-action.js';

export interface FaultsOptions {
  engine: FaultEngine;
  service: FaultService;
  /** Honour `x-mock-fault` request headers (FAULTS_HEADER_ENABLED). */
  headerEnabled: boolean;
  /** Name the firing rules in `x-mock-fault-rule` (FAULTS_RESPONSE_HEADER). */
  responseHeader: boolean;
  /** How long a `timeout` without `ms` holds the request before closing the socket. */
  defaultTimeoutMs?: number;
}

/** The response header naming the rules that fired, so a test can tell an injected failure. */
export const FAULT_RULE_HEADER = 'x-mock-fault-rule';

type FaultsRequest = Request<
  ApiEvent,
  ApiResult,
  Error,
  RequestContext,
  { 'faults:rules'?: string; 'faults:consistency'?: PendingFiring }
>;

/**
 * The `http.server` injection point, worn by every data-plane handler: asks the engine about the
 * request (operation, endpoint, bucket, key, headers, size), waits out delays, and turns a
 * terminal fault into what real S3 would send. Injected failures are thrown, never returned early,
 * so the after/onError chain (request id, metrics, span) runs for them as for real ones.
 */
export function faults(options: FaultsOptions): MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext> {
  const { engine, service } = options;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000;

  const before = async (request: FaultsRequest) => {
    const { event, context } = request;
    const headers = event.headers as Record<string, string | undefined>;
    // The usual request meets no rule and no `x-mock-fault` header: it is not described at all.
    const header = options.headerEnabled ? headers[FAULT_HEADER] : undefined;
    if (header === undefined && !engine.armedAt('http.server', service)) return;
    const facts = currentRequestFacts();
    const path = facts?.bucket === undefined ? event.rawPath : pathStyle(facts.bucket, facts.key);
    // Assignments, not spreads: this runs for every request once any http.server rule exists.
    const faultEvent: FaultEvent = {
      service,
      point: 'http.server',
      operation: context.operation,
      method: event.requestContext.http.method,
      path,
      headers,
      requestId: context.requestId,
    };
    if (facts?.bucket !== undefined) faultEvent.bucket = facts.bucket;
    if (facts?.key !== undefined) faultEvent.key = facts.key;
    const contentLength = headers['content-length'];
    if (contentLength !== undefined) faultEvent.size = Number(contentLength);
    let outcome: FaultOutcome;
    try {
      outcome = options.headerEnabled
        ? engine.evaluateWithHeader(faultEvent, header)
        : engine.evaluate(faultEvent);
    } catch (error) {
      if (!(error instanceof RuleValidationError)) throw error;
      throw new S3Error('InvalidArgument', {
        message: `Invalid ${FAULT_HEADER} header: ${error.message}`,
        detail: { ArgumentName: FAULT_HEADER },
      });
    }
    if (outcome.firings.length === 0 && outcome.terminal === undefined) return;
    if (outcome.firings.length > 0)
      request.internal['faults:rules'] = outcome.firings.map((firing) => firing.ruleId).join(',');
    if (outcome.delayMs > 0) await outcome.waitDelay();
    if (!outcome.terminal) return;
    const { rule, fault } = outcome.terminal;
    const origin = { ruleId: rule.id, scenario: rule.scenario, point: 'http.server' as const };
    const s3Error = s3ErrorFor(origin, fault);
    if (s3Error) throw s3Error;
    switch (fault.type) {
      case 'http_status':
        throw new ErrorResponse(
          { statusCode: fault.status, headers: { ...fault.headers }, body: fault.body ?? '' },
          { cause: new InjectedFault(origin, fault) },
        );
      case 'timeout':
        // Released early (the rule went), it still ends as a timeout does: closed, no response.
        await engine.hold([{ ruleId: rule.id, ms: fault.ms ?? defaultTimeoutMs }]);
        throw new ErrorResponse(withSocketAction({ statusCode: 504 }, { type: 'close' }), {
          cause: new InjectedFault(origin, fault),
        });
      case 'list_lag':
      case 'read_after_write_miss':
      case 'stale_read':
        // The operation applies it, and confirms the firing only if the answer changed.
        if (facts) {
          facts.consistency = fault;
          facts.consistencyFiring = outcome.terminal.pending;
          request.internal['faults:consistency'] = outcome.terminal.pending;
        } else outcome.terminal.pending?.withdraw();
        return;
      default:
        throw new InjectedFault(origin, fault);
    }
  };

  const nameRules = (request: FaultsRequest) => {
    let rules = request.internal['faults:rules'];
    // A consistency fault the operation did not apply (nothing to hide, nothing older) never fired.
    const consistency = request.internal['faults:consistency'];
    consistency?.withdraw();
    if (consistency?.state === 'confirmed')
      rules = rules ? `${rules},${consistency.ruleId}` : consistency.ruleId;
    if (!options.responseHeader || !rules || !request.response) return;
    request.response.headers = { ...request.response.headers, [FAULT_RULE_HEADER]: rules };
  };

  return {
    name: 'faults',
    before: before as MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext>['before'],
    after: nameRules as MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext>['after'],
    onError: nameRules as MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext>['onError'],
  };
}

/** Characters a path segment keeps as they are; most keys are made of nothing else. */
const UNRESERVED_PATH = /^[A-Za-z0-9\-._~/]*$/;

function pathStyle(bucket: string, key: string | undefined): string {
  const encode = (text: string) =>
    UNRESERVED_PATH.test(text) ? text : encodeURIComponent(text).replace(/%2F/g, '/');
  return key === undefined ? `/${encode(bucket)}` : `/${encode(bucket)}/${encode(key)}`;
}
