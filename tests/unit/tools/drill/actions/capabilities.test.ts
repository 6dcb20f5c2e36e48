import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { refuseImpossibleSteps } from '../../../../../tools/drill/actions/capabilities.js';
import { DrillFileError } from '../../../../../tools/drill/types.js';
import { embeddedTarget, sampleDrill } from '../../../../support/drill/sample-drill.js';

// A run dir as `scripts/stack.sh up` leaves it: the backends' URLs, no etcd of its own.
const runDir = mkdtempSync(join(tmpdir(), 'drill-capabilities-'));
writeFileSync(
  join(runDir, 'stack.env'),
  'DATABASE_URL=postgres://u:p@127.0.0.1:5442/db\nREDIS_URL=redis://127.0.0.1:6389\nETCD_URL=http://127.0.0.1:2389\n',
);
afterAll(() => rmSync(runDir, { recursive: true, force: true }));

const stackTarget = embeddedTarget({
  mode: 'stack',
  runDir,
  nodes: [
    { id: 'node-1', address: 'http://127.0.0.1:7201' },
    { id: 'node-2', address: 'http://127.0.0.1:7202' },
  ],
});

function refusal(run: () => void): DrillFileError {
  try {
    run();
  } catch (error) {
    if (error instanceof DrillFileError) return error;
    throw error;
  }
  throw new Error('expected a DrillFileError, the drill was accepted');
}

describe('refuseImpossibleSteps', () => {
  test('a rule the server would refuse (unknown fault type) is refused with its field, before anything runs', () => {
    const drill = sampleDrill([
      {
        action: 'rules',
        rules: [{ match: { operation: 'PutObject' }, fault: { type: 's3_error', code: 'SlowDown' } }],
      },
      { action: 'rules', rules: [{ match: { operation: 'GetObject' }, fault: { type: 'no_such_fault' } }] },
    ]);
    const error = refusal(() => refuseImpossibleSteps(drill, embeddedTarget()));
    expect(error.field).toBe('method[1].rules[0].fault.type');
    expect(error.message).toMatch(/no_such_fault|type/);
  });

  test('a shorthand rule with an impossible value names the shorthand field', () => {
    const drill = sampleDrill([
      { action: 'rules', rules: [{ operation: 'PutObject', type: 'latency', value_ms: -5 }] },
    ]);
    expect(refusal(() => refuseImpossibleSteps(drill, embeddedTarget())).field).toBe(
      'method[0].rules[0].value_ms',
    );
  });

  test('an unknown preset and a preset option it does not take are refused', () => {
    const unknown = sampleDrill([{ action: 'preset', preset: 'no-such-preset' }]);
    expect(refusal(() => refuseImpossibleSteps(unknown, embeddedTarget())).field).toBe('method[0].preset');
    const badOption = sampleDrill([{ action: 'preset', preset: 'throttling', params: { node: 'node-2' } }]);
    expect(refusal(() => refuseImpossibleSteps(badOption, embeddedTarget())).field).toBe(
      'method[0].params.node',
    );
  });

  test('a scenario file with a bad rule is refused with the rule named', () => {
    const drill = sampleDrill([
      { action: 'scenario', file: 'storm.yaml', scenario: { rules: [{ fault: { type: 'latency' } }] } },
    ]);
    expect(refusal(() => refuseImpossibleSteps(drill, embeddedTarget())).field).toBe(
      'method[0].scenario (storm.yaml) rules[0].fault.ms',
    );
  });

  test('control-plane actions without a control plane are refused, naming --admin', () => {
    const drill = sampleDrill([{ action: 'clear' }]);
    const { admin: _admin, ...noAdmin } = embeddedTarget();
    const error = refusal(() => refuseImpossibleSteps(drill, { ...noAdmin, mode: 'unknown' }));
    expect(error.field).toBe('--admin');
    expect(error.message).toContain('method[0].action: clear needs the control plane');
  });

  test('node and service actions outside stack mode are refused, saying which mode the target is', () => {
    const kill = sampleDrill([{ action: 'wait' }, { action: 'kill_node', node: 'node-2' }]);
    const error = refusal(() => refuseImpossibleSteps(kill, embeddedTarget()));
    expect(error.field).toBe('method[1].action');
    expect(error.message).toBe('method[1].action: kill_node needs stack mode (the target is embedded)');
    const service = sampleDrill([{ action: 'stop_service', service: 'redis' }]);
    expect(refusal(() => refuseImpossibleSteps(service, embeddedTarget())).field).toBe('method[0].action');
  });

  test('a node the target does not have is refused with method[i].node', () => {
    const drill = sampleDrill([{ action: 'stop_node', node: 'node-9' }]);
    const error = refusal(() => refuseImpossibleSteps(drill, stackTarget));
    expect(error.field).toBe('method[0].node');
    expect(error.message).toContain('node-1, node-2');
  });

  test('a backend the stack does not own is refused with method[i].service', () => {
    const drill = sampleDrill([{ action: 'stop_service', service: 'etcd' }]);
    const error = refusal(() => refuseImpossibleSteps(drill, stackTarget));
    expect(error.field).toBe('method[0].service');
    expect(error.message).toContain('not started by this stack');
    const noEnv = sampleDrill([{ action: 'stop_service', service: 'redis' }]);
    expect(refusal(() => refuseImpossibleSteps(noEnv, { ...stackTarget, runDir: tmpdir() })).field).toBe(
      'method[0].service',
    );
  });

  test('a partition this runner cannot make for real (no root or nft) is refused, not faked', () => {
    const drill = sampleDrill([{ action: 'partition_node', node: 'node-1' }]);
    const error = refusal(() => refuseImpossibleSteps(drill, { ...stackTarget, canPartition: false }));
    expect(error.field).toBe('method[0].action');
    expect(error.message).toMatch(/real network partition.*root/);
  });

  test('a drill the target can run passes', () => {
    const drill = sampleDrill([
      { action: 'rules', rules: [{ operation: 'PutObject', type: 's3_error', code: 'SlowDown', rate: 0.2 }] },
      { action: 'preset', preset: 'node-loss', params: { node: 'node-2' } },
      { action: 'kill_node', node: 'node-2' },
      { action: 'partition_node', node: 'node-1' },
      { action: 'stop_service', service: 'postgres' },
      { action: 'clear' },
    ]);
    expect(() => refuseImpossibleSteps(drill, stackTarget)).not.toThrow();
  });
});
