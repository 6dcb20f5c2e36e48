import type { ControlOperation } from './request.js';

/**
 * POST /disable-all: the kill switch. Latches the engine off and expires every rule before the
 * answer leaves, so once the client has its 200 nothing fires on this instance.
 */
export const disableAll: ControlOperation = ({ runtime }) => {
  runtime.faults.disableAll();
  return { status: 200, body: runtime.faults.status() };
};

/** POST /enable: releases the kill switch (the env and config switches still apply). */
export const enable: ControlOperation = ({ runtime }) => {
  runtime.faults.enable();
  return { status: 200, body: runtime.faults.status() };
};

/** GET /status: on or off and why, rule and scenario counts, version. */
export const status: ControlOperation = ({ runtime }) => ({ status: 200, body: runtime.faults.status() });
