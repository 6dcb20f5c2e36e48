import { describe, expect, it } from '@jest/globals';
import { createFaultEngine } from '../../../../shared/faults/engine.js';
import { DAY_MS, manualClock, s3Event } from './fault-fixtures.js';

function engineWithRule(rule: Record<string, unknown>) {
  const engine = createFaultEngine({ clock: manualClock(), enabled: true, maxTtlMs: DAY_MS });
  const { id } = engine.addRule(rule);
  return { engine, id };
}

const getObject = () => s3Event('GET', '/photos/cat.jpg', { operation: 'GetObject' });

describe('deferred firings (effects their owner decides)', () => {
  it('a stale_read firing is recorded only once confirmed', () => {
    // Prepare
    const { engine, id } = engineWithRule({ match: { point: 'http.server' }, fault: { type: 'stale_read' } });

    // Act
    const outcome = engine.evaluate(getObject());
    const beforeConfirm = engine.events().length;
    outcome.terminal?.pending?.confirm();
    outcome.terminal?.pending?.confirm();

    // Assess
    expect(outcome.terminal?.fault.type).toBe('stale_read');
    expect(outcome.firings).toEqual([]);
    expect(beforeConfirm).toBe(0);
    expect(engine.events().map((firing) => firing.ruleId)).toEqual([id]);
  });

  it('a withdrawn firing is not recorded and gives the rule its times back', () => {
    // Prepare
    const { engine, id } = engineWithRule({
      match: { point: 'http.server' },
      fault: { type: 'read_after_write_miss', ms: 1000 },
      times: 1,
    });

    // Act
    engine.evaluate(getObject()).terminal?.pending?.withdraw();
    const again = engine.evaluate(getObject());

    // Assess
    expect(engine.events()).toEqual([]);
    expect(engine.getRule(id)?.hits).toBe(1);
    expect(again.terminal?.pending?.state).toBe('pending');
  });
});

describe('consistency faults apply only to the operations they describe', () => {
  it.each([
    ['list_lag', { type: 'list_lag', ms: 100 }, 'ListObjectsV2', 'PutObject'],
    ['read_after_write_miss', { type: 'read_after_write_miss', ms: 100 }, 'HeadObject', 'CopyObject'],
    ['stale_read', { type: 'stale_read' }, 'GetObject', 'PutObject'],
  ])('%s: evaluate and explain agree; the other operation is no match', (_type, fault, applies, other) => {
    // Prepare
    const { engine } = engineWithRule({ match: { point: 'http.server', bucket: 'photos' }, fault, after: 1 });
    const event = (operation: string) => s3Event('GET', '/photos/cat.jpg', { operation });

    // Act
    const dryRunOther = engine.explain(event(other)).rules[0];
    const otherOutcome = engine.evaluate(event(other));
    const firstApplicable = engine.evaluate(event(applies));
    const dryRunApplicable = engine.explain(event(applies)).rules[0];

    // Assess: the other operation takes no match index, so `after: 1` lets the first read pass.
    expect(dryRunOther).toMatchObject({ matched: false, mismatch: 'match.operation', wouldFire: false });
    expect(otherOutcome.terminal).toBeUndefined();
    expect(firstApplicable.terminal).toBeUndefined();
    expect(dryRunApplicable).toMatchObject({ matched: true, matchIndex: 1, wouldFire: true });
  });
});
