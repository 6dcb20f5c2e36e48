import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Registry } from 'prom-client';
import { loadConfig } from '../../../../shared/config/env.js';
import { createHttpClientMetrics } from '../../../../shared/http/metrics.js';
import { createProcessFaultEngine } from '../../../../shared/injection/create-fault-engine.js';
import { systemClock } from '../../../../shared/runtime/clock.js';
import { silentLogger } from '../../../../shared/telemetry/logger.js';
import { createMetrics } from '../../../../shared/telemetry/metrics.js';
import { createUnitRuntime, type UnitRuntime } from '../../../support/unit-runtime.js';

/** One row of a metric table in docs/metrics.md. */
interface DocumentedMetric {
  name: string;
  type: string;
  labels: string[];
  servedBy: string;
}

/** The default process metrics (prom-client `collectDefaultMetrics`), documented as a group. */
const DEFAULT_METRIC = /^(process|nodejs)_/;

function documentedMetrics(): DocumentedMetric[] {
  const text = readFileSync(new URL('../../../../docs/metrics.md', import.meta.url), 'utf8');
  const rows: DocumentedMetric[] = [];
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    // | `name` | type | labels | meaning | served by |
    const name = /^`([a-z_:][a-z0-9_:]*)`$/.exec(cells[1] ?? '')?.[1];
    if (name === undefined || cells.length !== 7) continue;
    const labels = [...(cells[3] ?? '').matchAll(/`([a-z_]+)`/g)].map((match) => match[1]!);
    rows.push({ name, type: cells[2]!, labels: labels.sort(), servedBy: cells[5]! });
  }
  return rows;
}

/** Name -> type and label names of every metric a registry holds (default process metrics aside). */
function registered(registry: Registry): Map<string, { type: string; labels: string[] }> {
  const found = new Map<string, { type: string; labels: string[] }>();
  for (const metric of registry.getMetricsAsArray()) {
    if (DEFAULT_METRIC.test(metric.name)) continue;
    const labels = [...((metric as { labelNames?: readonly string[] }).labelNames ?? [])].sort();
    found.set(metric.name, { type: String(metric.type), labels });
  }
  return found;
}

let unit: UnitRuntime;

beforeAll(async () => {
  unit = await createUnitRuntime();
});

afterAll(async () => {
  await unit?.runtime.close();
});

describe('docs/metrics.md', () => {
  it('documents every metric the runtime registers, with its type and labels', () => {
    // Prepare
    const documented = new Map(documentedMetrics().map((row) => [row.name, row]));

    // Act
    const served = registered(unit.runtime.metrics.registry);

    // Assess
    expect(served.size).toBeGreaterThan(10);
    for (const [name, { type, labels }] of served) {
      expect({ name, documented: documented.has(name) }).toEqual({ name, documented: true });
      expect({ name, type: documented.get(name)!.type, labels: documented.get(name)!.labels }).toEqual({
        name,
        type,
        labels,
      });
    }
  });

  it('lists only metrics that the processes it names register', () => {
    // Prepare: what a process registers by where it runs.
    const stackOnly = createMetrics();
    createHttpClientMetrics(stackOnly.registry);
    const engineOnly = createMetrics();
    createProcessFaultEngine(loadConfig({}), systemClock, silentLogger, engineOnly);
    const sources: Record<string, Map<string, unknown>> = {
      runtime: registered(unit.runtime.metrics.registry),
      'runtime (stack)': registered(stackOnly.registry),
      engine: registered(engineOnly.registry),
    };

    // Act
    const rows = documentedMetrics();

    // Assess
    expect(rows.length).toBeGreaterThan(10);
    for (const { name, servedBy } of rows) {
      expect({ name, servedBy, registered: sources[servedBy]?.has(name) }).toEqual({
        name,
        servedBy,
        registered: true,
      });
    }
  });
});
