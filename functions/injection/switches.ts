import type { ControlOperation } from './request.js';
import { resetSharedHits } from './shared-hits.js';

/**
 * POST /disable-all: the kill switch. Latches the engine off and expires every rule before the
 * answer leaves, so once the client has its 200 nothing fires on this instance; the shared hit
 * counts go with the rules.
 */
export const disableAll: ControlOperation = async ({ runtime }) => {
  runtime.faults.disableAll();
  await resetSharedHits(runtime);
  return { status: 200, body: runtime.faults.status() };
};

/** POST /enable: releases the kill switch (the env and config switches still apply). */
export const enable: ControlOperation = ({ runtime }) => {
  runtime.faults.enable();
  return { status: 200, body: runtime.faults.status() };
};

/** GET /status: on or off and why, rule and scenario counts, version. */
export const status: ControlOperation = ({ runtime }) => ({ status: 200, body: runtime.faults.status() });
