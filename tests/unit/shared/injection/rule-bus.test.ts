import { describe, expect, it } from '@jest/globals';
import type { Rule } from '../../../../shared/faults/rule.js';
import { parseRuleChangeNotice } from '../../../../shared/injection/rule-bus.js';
import { applyMutation } from '../../../../shared/injection/versioned-rule-store.js';

const rule = (id: string) => ({ id, expiresAt: '2030-01-01T00:10:00.000Z' }) as unknown as Rule;

describe('parseRuleChangeNotice', () => {
  it('reads a notice with the change it carries', () => {
    // Prepare
    const wire = JSON.stringify({
      version: 7,
      origin: 'a',
      fresh: ['r1'],
      change: { clear: true, remove: ['r0'], save: [rule('r1')], killSwitch: false },
    });

    // Act
    const notice = parseRuleChangeNotice(wire);

    // Assess
    expect(notice).toEqual({
      version: 7,
      origin: 'a',
      fresh: ['r1'],
      change: { clear: true, remove: ['r0'], save: [rule('r1')], killSwitch: false },
    });
  });

  it.each([
    ['a rule without an id', { save: [{ expiresAt: '2030-01-01T00:00:00Z' }] }],
    ['remove that is not a list of ids', { remove: 'r1' }],
    ['a kill switch that is not a boolean', { killSwitch: 'yes' }],
    ['a change that is not an object', 'clear'],
  ])('drops a notice whose change has %s', (_label, change) => {
    // Prepare
    const wire = JSON.stringify({ version: 3, origin: 'a', change });

    // Act
    const notice = parseRuleChangeNotice(wire);

    // Assess
    expect(notice).toBeUndefined();
  });
});

describe('applyMutation', () => {
  it('clears, removes, saves, then sets the switch, as the store commits', () => {
    // Prepare
    const state = {
      rules: new Map([
        ['old', rule('old')],
        ['kept', rule('kept')],
      ]),
      killSwitch: true,
    };

    // Act
    const cleared = applyMutation(state, { clear: true, save: [rule('new')], killSwitch: false });
    const removed = applyMutation(state, { remove: ['old', 'new'], save: [rule('new')] });

    // Assess
    expect([...cleared.rules.keys()]).toEqual(['new']);
    expect(cleared.killSwitch).toBe(false);
    expect([...removed.rules.keys()].sort()).toEqual(['kept', 'new']);
    expect(removed.killSwitch).toBe(true);
    expect([...state.rules.keys()]).toEqual(['old', 'kept']);
  });
});
