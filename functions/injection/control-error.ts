import type { ApiResult } from '../../layers/request-context.js';
import { RuleConflictError, RuleLimitError, RuleValidationError } from '../../shared/faults/validation.js';

/** The error codes of the control API, each with its HTTP status. */
export const CONTROL_ERROR_STATUS = {
  ValidationError: 400,
  MalformedJSON: 400,
  NotFound: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  /** The live rules would exceed FAULTS_MAX_RULES. */
  TooManyRules: 400,
} as const;
export type ControlErrorCode = keyof typeof CONTROL_ERROR_STATUS;

/**
 * A refusal of the control API with a JSON body. Kept apart from `S3Error`: the control plane is
 * not S3 and its clients want the offending field named (`{error: {code, message, field}}`).
 */
export class ControlError extends Error {
  override readonly name = 'ControlError';
  readonly code: ControlErrorCode;
  readonly field: string | undefined;

  constructor(code: ControlErrorCode, message: string, options?: ErrorOptions & { field?: string }) {
    super(message, options);
    this.code = code;
    this.field = options?.field;
  }

  get status(): number {
    return CONTROL_ERROR_STATUS[this.code];
  }
}

/** A 400 naming the field to fix. */
export function validationError(field: string, message: string): ControlError {
  return new ControlError('ValidationError', `${field}: ${message}`, { field });
}

/** Turns the engine's refusals into control errors; anything else is left to the error mapping. */
export function toControlError(error: unknown): ControlError | undefined {
  if (error instanceof ControlError) return error;
  if (error instanceof RuleValidationError) {
    return new ControlError('ValidationError', error.message, { field: error.field, cause: error });
  }
  if (error instanceof RuleLimitError) {
    return new ControlError('TooManyRules', error.message, { cause: error });
  }
  if (error instanceof RuleConflictError) {
    return new ControlError('Conflict', error.message, { cause: error });
  }
  return undefined;
}

/** The JSON response for a control error. */
export function renderControlError(error: ControlError, requestId: string): ApiResult {
  return {
    statusCode: error.status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      error: {
        code: error.code,
        message: error.message,
        ...(error.field === undefined ? {} : { field: error.field }),
        requestId,
      },
    }),
  };
}
