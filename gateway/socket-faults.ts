import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Span } from '@opentelemetry/api';
import { bodyBytes } from '../layers/binary-body.js';
import type { ApiResult } from '../layers/request-context.js';
import type { FaultEngine } from '../shared/faults/engine.js';
import type { Fault, Rule } from '../shared/faults/rule.js';
import type { RequestFacts } from '../shared/injection/request-scope.js';
import { type ClientOutcome, markClientOutcome } from '../shared/telemetry/server-span.js';

/** Socket faults default to this hold when a rule gives none (FAULTS.md `timeout {ms?}`). */
const DEFAULT_HOLD_MS = 30_000;

/**
 * The `gateway.socket` point: what happens on the client's TCP connection while the response is
 * written. Only the process that owns the socket can do this (the embedded gateway, or the
 * socket-fault front in stack mode): a reset, a body cut short under its full Content-Length, a
 * throttled or dripping body, a stall, or a request held and closed without an answer.
 *
 * With `span` (the host's SERVER span of the request), the span says what the client got
 * (`markClientOutcome`). The caller runs this inside that span's context, so each firing's
 * `fault.injected` event and trace ids land on it.
 */
export async function writeThroughSocketFaults(
  engine: FaultEngine,
  facts: RequestFacts | undefined,
  request: IncomingMessage,
  response: ServerResponse,
  result: ApiResult,
  write: (request: IncomingMessage, response: ServerResponse, result: ApiResult) => void,
  span?: Span,
): Promise<void> {
  const body = request.method === 'HEAD' ? Buffer.alloc(0) : bodyBytes(result);
  const outcome = engine.evaluate(
    {
      service: 'gateway',
      point: 'gateway.socket',
      method: request.method ?? 'GET',
      path: (request.url ?? '/').split('?', 1)[0]!,
      headers: facts?.headers ?? (request.headers as Record<string, string>),
      size: body.length,
      ...(facts?.operation === undefined ? {} : { operation: facts.operation }),
      ...(facts?.bucket === undefined ? {} : { bucket: facts.bucket }),
      ...(facts?.key === undefined ? {} : { key: facts.key }),
      ...(facts?.requestId === undefined ? {} : { requestId: facts.requestId }),
    },
    (fault) => socketEffectPossible(fault, body.length),
  );
  if (outcome.delayMs > 0) await outcome.waitDelay();
  const terminal = outcome.terminal;
  if (!terminal) return write(request, response, result);
  const clientOutcome = CLIENT_OUTCOMES[terminal.fault.type];
  if (span && clientOutcome) {
    markClientOutcome(
      span,
      clientOutcome,
      `${terminal.fault.type} at gateway.socket (rule ${terminal.rule.id})`,
    );
  }
  await applySocketFault(engine, terminal, request, response, result, body, write);
}

/** What the client gets of each socket fault (`mock_s3.client_outcome`). */
const CLIENT_OUTCOMES: Partial<Record<Fault['type'], ClientOutcome>> = {
  timeout: 'timeout',
  reset: 'reset',
  truncate: 'truncated',
  stall: 'stalled',
  slow_body: 'slow_body',
  bandwidth: 'throttled',
};

/**
 * Whether a socket fault changes what the client gets of a `size`-byte body. A cut, reset or stall
 * at `afterBytes` happens only inside the body (at or past its end the client already has every
 * byte); a drip or a bandwidth cap only pauses between two chunks.
 */
export function socketEffectPossible(fault: Fault, size: number): boolean {
  switch (fault.type) {
    case 'truncate':
    case 'stall':
      return fault.afterBytes < size;
    case 'reset':
      return fault.afterBytes === undefined || fault.afterBytes < size;
    case 'slow_body':
      return size > fault.chunkBytes;
    case 'bandwidth':
      return size > bandwidthChunkBytes(fault.bytesPerSec);
    default:
      return true;
  }
}

/** Ten slices a second keep the rate smooth without a timer per byte. */
function bandwidthChunkBytes(bytesPerSec: number): number {
  return Math.max(1, Math.floor(bytesPerSec / 10));
}

/**
 * Writes the response under a socket fault. The connection is `request.socket`: a response queued
 * behind another on a keep-alive connection has no socket of its own yet, and its writes are held
 * until it gets one. Each paced body ends with its last chunk, so the client never waits on a
 * response whose bytes it already has.
 *
 * Every pause is held through the engine: when the rule goes (deleted, expired, the kill switch)
 * a stalled or paced body is sent whole at once, and a held request is closed at once as the
 * timeout would have closed it.
 */
async function applySocketFault(
  engine: FaultEngine,
  { rule, fault }: { rule: Rule; fault: Fault },
  request: IncomingMessage,
  response: ServerResponse,
  result: ApiResult,
  body: Buffer,
  write: (request: IncomingMessage, response: ServerResponse, result: ApiResult) => void,
) {
  const socket = request.socket;
  const start = () => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
    headers['content-length'] = String(body.length);
    response.writeHead(result.statusCode ?? 200, headers);
  };
  const send = (bytes: Buffer) => new Promise<void>((resolve) => response.write(bytes, () => resolve()));
  const pause = (ms: number) => engine.hold([{ ruleId: rule.id, ms }]);
  const pace = async (chunkBytes: number, delayMs: number) => {
    start();
    for (let offset = 0; offset < body.length; offset += chunkBytes) {
      if (socket.destroyed) return;
      const chunk = body.subarray(offset, offset + chunkBytes);
      if (offset + chunkBytes >= body.length) return void response.end(chunk);
      await send(chunk);
      if ((await pause(delayMs)) === 'released') return void response.end(body.subarray(offset + chunkBytes));
    }
    response.end();
  };
  switch (fault.type) {
    case 'timeout':
      await pause(fault.ms ?? DEFAULT_HOLD_MS);
      socket.destroy();
      return;
    case 'reset':
      if (fault.afterBytes !== undefined) {
        start();
        await send(body.subarray(0, fault.afterBytes));
      }
      socket.resetAndDestroy();
      return;
    case 'truncate':
      start();
      await send(body.subarray(0, fault.afterBytes));
      socket.end();
      return;
    case 'stall':
      start();
      await send(body.subarray(0, fault.afterBytes));
      await pause(fault.ms);
      if (socket.destroyed) return;
      response.end(body.subarray(fault.afterBytes));
      return;
    case 'slow_body':
      return pace(fault.chunkBytes, fault.delayMs);
    case 'bandwidth':
      return pace(bandwidthChunkBytes(fault.bytesPerSec), 100);
    default:
      write(request, response, result);
  }
}
