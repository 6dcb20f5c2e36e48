/**
 * Errors raised by injected faults, so logs, traces and tests can tell them from real failures.
 * S3-shaped faults are `S3Error`s, so the error middleware renders them as the XML real S3 sends.
 */
import { S3Error, type S3ErrorCode } from '../s3/errors.js';
import type { Fault, InjectionPoint } from './rule.js';

/** Where a fault came from: the firing rule (or the `x-mock-fault` header) and its point. */
export interface FaultOrigin {
  ruleId: string;
  scenario?: string | undefined;
  point: InjectionPoint;
}

/**
 * A non-HTTP injected failure (an I/O errno, a SQLSTATE, a node that is down, ...).
 * `code` carries the errno or SQLSTATE, as Node.js and pg errors do, so code that classifies
 * real errors by `code` treats the injected one the same way.
 */
export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
  readonly ruleId: string;
  readonly scenario: string | undefined;
  readonly point: InjectionPoint;
  readonly fault: Fault;
  readonly code: string | undefined;

  constructor(origin: FaultOrigin, fault: Fault, options?: ErrorOptions) {
    super(`injected ${fault.type} at ${origin.point} by rule ${origin.ruleId}`, options);
    this.ruleId = origin.ruleId;
    this.scenario = origin.scenario;
    this.point = origin.point;
    this.fault = fault;
    this.code =
      fault.type === 'io_error' ? fault.errno : fault.type === 'db_error' ? fault.sqlstate : undefined;
  }
}

/** An injected S3 error: rendered exactly as a real one, and still recognisable as injected. */
export class InjectedS3Error extends S3Error {
  readonly injected = true;
  readonly ruleId: string;
  readonly scenario: string | undefined;
  readonly point: InjectionPoint;

  constructor(
    origin: FaultOrigin,
    code: S3ErrorCode,
    options: { message?: string; retryAfter?: number } = {},
  ) {
    super(code, {
      ...(options.message === undefined ? {} : { message: options.message }),
      ...(options.retryAfter === undefined ? {} : { headers: { 'Retry-After': String(options.retryAfter) } }),
    });
    this.ruleId = origin.ruleId;
    this.scenario = origin.scenario;
    this.point = origin.point;
  }
}

/**
 * The S3 error a terminal fault answers with, when it is one: `s3_error`, `reject`,
 * `checksum_mismatch` and `throttle` (SlowDown, as S3 throttles per prefix). Other faults
 * (timeouts, resets, raw statuses, I/O) need their layer's own handling and give `undefined`.
 */
export function s3ErrorFor(origin: FaultOrigin, fault: Fault): InjectedS3Error | undefined {
  switch (fault.type) {
    case 's3_error':
      return new InjectedS3Error(origin, fault.code, {
        ...(fault.message === undefined ? {} : { message: fault.message }),
        ...(fault.retryAfter === undefined ? {} : { retryAfter: fault.retryAfter }),
      });
    case 'reject':
      return new InjectedS3Error(origin, fault.code);
    case 'checksum_mismatch':
      return new InjectedS3Error(origin, fault.code ?? 'BadDigest');
    case 'throttle':
      return new InjectedS3Error(origin, 'SlowDown');
    default:
      return undefined;
  }
}
