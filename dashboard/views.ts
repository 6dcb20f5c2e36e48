/**
 * What the page reads of the control plane's answers (docs/openapi/*.yaml): only the fields it shows.
 * Imported as types only, so the page bundle holds none of the server's code.
 */
export type { OriginStatus } from '../shared/origin/ports.js';
export type { QueueStats } from '../shared/queue/ports.js';
export type { OperationWindow, SeriesWindow } from '../shared/telemetry/metric-series.js';

import type { OriginStatus } from '../shared/origin/ports.js';
import type { SeriesWindow } from '../shared/telemetry/metric-series.js';

/** `GET /api/v1/admin/series`. */
export interface SeriesAnswer {
  /** The process that answered (stack mode runs two serverless-offline instances). */
  instance: string;
  intervalMs: number;
  windows: SeriesWindow[];
}

/** `GET /api/v1/storage/nodes`. */
export interface NodesAnswer {
  replicas: number;
  nodes: { id: string; healthy: boolean; blobs?: number; bytes?: number; address?: string }[];
}

/** `GET /api/v1/admin/stats`. */
export interface StatsAnswer {
  buckets: number;
  objects: number;
  objectsExact: boolean;
  queue: { pending: number; lagMs: number; deadLetters: number };
  nodes: { id: string; healthy: boolean }[];
  faults: { enabled: boolean; rules: number; activeRules: number };
}

/** `GET /api/v1/injection/status`. */
export interface FaultStatus {
  enabled: boolean;
  reason: string;
  killSwitch: boolean;
  rules: number;
  activeRules: number;
  scenarios: number;
}

/** A rule of `GET /api/v1/injection/rules`. */
export interface RuleView {
  id: string;
  scenario?: string;
  enabled: boolean;
  match: {
    point: string;
    service?: string;
    operation?: string;
    bucket?: string;
    key?: string;
    node?: string;
  };
  fault: { type: string };
  times?: number;
  hits: number;
  expiresAt: string;
}

/** A scenario of `GET /api/v1/injection/scenarios`. */
export interface ScenarioView {
  name: string;
  rules: number;
  enabledRules: number;
  expiresAt: string;
}

/** A firing of `GET /api/v1/injection/events`. */
export interface FiringView {
  time: string;
  ruleId: string;
  scenario?: string;
  point: string;
  type: string;
  service: string;
  operation?: string;
  requestId?: string;
  delayMs?: number;
  process?: string;
  traceId?: string;
}

/** An origin of `GET /api/v1/origins` (docs/openapi/origins.yaml): the fields the page shows. */
export interface OriginView {
  localBucket: string;
  endpoint: string;
  /** The bucket at the origin. */
  bucket: string;
  kind: 's3' | 'http';
  source: 'stored' | 'environment';
  /** This instance's breaker and counters; absent on a host without origin fallback. */
  status?: OriginStatus;
}
