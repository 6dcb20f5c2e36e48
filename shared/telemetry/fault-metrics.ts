import { Counter, Gauge, type Registry } from 'prom-client';
import { type FaultEngine, HEADER_RULE_ID } from '../faults/engine.js';
import type { Firing } from '../faults/hit-log.js';
import { INJECTION_POINTS, type InjectionPoint } from '../faults/rule.js';

type RuleHitLabels = 'rule_id' | 'scenario' | 'point' | 'type';

/** What the fault engine of a process counts beyond `fault_injections_total`. */
export interface FaultMetrics {
  /** Counts one firing: a hit of its rule, and its point as covered. */
  record(firing: Firing): void;
  /**
   * Ties each rule's series to `engine`: a series whose rule the engine no longer holds (deleted,
   * expired, cleared by the kill switch or replaced by a sync) is dropped at the next scrape.
   */
  follow(engine: Pick<FaultEngine, 'getRule'>): void;
}

/**
 * Registers `fault_rule_hits_total{rule_id,scenario,point,type}`, `fault_point_covered{point}` and
 * `fault_coverage_ratio` in a process registry.
 *
 * Rule ids are unbounded over a long run, but every rule expires: the hits of a rule are served for
 * as long as the rule exists (a spent rule included, so its last hits are still scraped), then its
 * series goes. Firings of the `x-mock-fault` header have no rule: they are kept under its rule id,
 * a bounded set (points x types). Coverage counts firings since the process started, against every
 * point of the catalogue (`INJECTION_POINTS`).
 */
export function createFaultMetrics(registry: Registry): FaultMetrics {
  let engine: Pick<FaultEngine, 'getRule'> | undefined;
  /** rule id -> the label sets counted under it (a PATCH may change its point, type or scenario). */
  const seriesOfRule = new Map<string, Map<string, Record<RuleHitLabels, string>>>();
  const fired = new Set<InjectionPoint>();
  const allPoints = INJECTION_POINTS.map(({ point }) => point);

  const ruleHits = new Counter({
    name: 'fault_rule_hits_total',
    help: 'Firings of each live fault rule, by rule id, scenario, injection point and fault type',
    labelNames: ['rule_id', 'scenario', 'point', 'type'] as const,
    registers: [registry],
    collect() {
      if (engine === undefined) return;
      for (const [ruleId, series] of seriesOfRule) {
        if (ruleId === HEADER_RULE_ID || engine.getRule(ruleId) !== undefined) continue;
        for (const labels of series.values()) ruleHits.remove(labels);
        seriesOfRule.delete(ruleId);
      }
    },
  });
  const pointCovered = new Gauge({
    name: 'fault_point_covered',
    help: 'Whether the injection point has fired at least once since the process started (1) or not (0)',
    labelNames: ['point'] as const,
    registers: [registry],
    collect() {
      for (const point of allPoints) pointCovered.set({ point }, fired.has(point) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'fault_coverage_ratio',
    help: 'Injection points with at least one firing since the process started, over all injection points',
    registers: [registry],
    collect() {
      this.set(fired.size / allPoints.length);
    },
  });

  return {
    record(firing) {
      fired.add(firing.point);
      const labels = {
        rule_id: firing.ruleId,
        scenario: firing.scenario ?? '',
        point: firing.point,
        type: firing.type,
      };
      let series = seriesOfRule.get(firing.ruleId);
      if (series === undefined) {
        series = new Map();
        seriesOfRule.set(firing.ruleId, series);
      }
      const key = `${labels.scenario}\u0000${labels.point}\u0000${labels.type}`;
      if (!series.has(key)) series.set(key, labels);
      ruleHits.inc(labels);
    },
    follow(followed) {
      engine = followed;
    },
  };
}
