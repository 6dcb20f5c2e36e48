import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { loadContract } from '../../../../functions/injection/contract.js';
import { createHandler as createOpenApiHandler } from '../../../../functions/injection/openapi.js';
import { CONTROL_ROUTES, INJECTION_BASE } from '../../../../functions/injection/router.js';
import { bodyBytes } from '../../../../layers/binary-body.js';
import { FAULT_PARAMS, FAULT_TYPES } from '../../../../shared/faults/fault-schema.js';
import { PRESET_NAMES } from '../../../../shared/faults/presets.js';
import { FAULT_SERVICES, INJECTION_POINTS } from '../../../../shared/faults/rule.js';
import { checkSchema, resolveRef, type Schema } from '../../../support/json-schema.js';
import { documentedOperations, documentedResponse, templateMatches } from '../../../support/openapi.js';
import { apiEvent, unitContext } from '../../../support/unit-runtime.js';
import { type ControlAnswer, type ControlClient, createControlClient } from './support.js';

interface Case {
  operationId: string;
  status: number;
  method: string;
  /** Below /api/v1/injection. */
  path: string;
  body?: unknown;
  query?: string;
  setup?: (client: ControlClient) => Promise<unknown>;
}

const LATENCY = { fault: { type: 'latency', ms: 5 } };
const withRule =
  (id: string, scenario = 'drill') =>
  async (client: ControlClient) =>
    client.call('POST', '/rules', { ...LATENCY, id, scenario });

/** One request per (operation, documented status). */
const CASES: Case[] = [
  {
    operationId: 'addRule',
    status: 201,
    method: 'POST',
    path: '/rules',
    body: {
      service: 's3-api',
      endpoint: 'PUT /:bucket/:key',
      type: 'latency',
      value_ms: 500,
      rate: 0.5,
      ttl: '5m',
      scenario: 'half_slow_write',
    },
  },
  {
    operationId: 'addRule',
    status: 400,
    method: 'POST',
    path: '/rules',
    body: { type: 'latency', colour: 1 },
  },
  {
    operationId: 'addRule',
    status: 409,
    method: 'POST',
    path: '/rules',
    body: { ...LATENCY, id: 'r1' },
    setup: withRule('r1'),
  },
  { operationId: 'listRules', status: 200, method: 'GET', path: '/rules', setup: withRule('r1') },
  { operationId: 'listRules', status: 400, method: 'GET', path: '/rules', query: 'point=disk' },
  { operationId: 'clearRules', status: 200, method: 'DELETE', path: '/rules', setup: withRule('r1') },
  { operationId: 'getRule', status: 200, method: 'GET', path: '/rules/r1', setup: withRule('r1') },
  { operationId: 'getRule', status: 404, method: 'GET', path: '/rules/r1' },
  {
    operationId: 'updateRule',
    status: 200,
    method: 'PATCH',
    path: '/rules/r1',
    body: { times: 2 },
    setup: withRule('r1'),
  },
  {
    operationId: 'updateRule',
    status: 400,
    method: 'PATCH',
    path: '/rules/r1',
    body: { every: 0 },
    setup: withRule('r1'),
  },
  { operationId: 'updateRule', status: 404, method: 'PATCH', path: '/rules/r1', body: { times: 2 } },
  { operationId: 'removeRule', status: 200, method: 'DELETE', path: '/rules/r1', setup: withRule('r1') },
  { operationId: 'removeRule', status: 404, method: 'DELETE', path: '/rules/r1' },
  { operationId: 'listScenarios', status: 200, method: 'GET', path: '/scenarios', setup: withRule('r1') },
  {
    operationId: 'applyScenario',
    status: 201,
    method: 'POST',
    path: '/scenarios/drill',
    body: { rules: [{ type: 's3_error', code: 'SlowDown', operation: 'GetObject' }, LATENCY] },
  },
  {
    operationId: 'applyScenario',
    status: 400,
    method: 'POST',
    path: '/scenarios/drill',
    body: { rules: [] },
  },
  {
    operationId: 'applyScenario',
    status: 409,
    method: 'POST',
    path: '/scenarios/drill',
    body: { rules: [{ ...LATENCY, id: 'r1' }] },
    setup: withRule('r1', 'other'),
  },
  {
    operationId: 'removeScenario',
    status: 200,
    method: 'DELETE',
    path: '/scenarios/drill',
    setup: withRule('r1'),
  },
  { operationId: 'removeScenario', status: 400, method: 'DELETE', path: '/scenarios/.hidden' },
  { operationId: 'removeScenario', status: 404, method: 'DELETE', path: '/scenarios/drill' },
  {
    operationId: 'activateScenario',
    status: 200,
    method: 'POST',
    path: '/scenarios/drill/activate',
    body: { ttl: '10m' },
    setup: withRule('r1'),
  },
  {
    operationId: 'activateScenario',
    status: 400,
    method: 'POST',
    path: '/scenarios/drill/activate',
    body: { ttl: 'later' },
    setup: withRule('r1'),
  },
  { operationId: 'activateScenario', status: 404, method: 'POST', path: '/scenarios/drill/activate' },
  {
    operationId: 'deactivateScenario',
    status: 200,
    method: 'POST',
    path: '/scenarios/drill/deactivate',
    setup: withRule('r1'),
  },
  { operationId: 'deactivateScenario', status: 400, method: 'POST', path: '/scenarios/.x/deactivate' },
  { operationId: 'deactivateScenario', status: 404, method: 'POST', path: '/scenarios/drill/deactivate' },
  { operationId: 'listPresets', status: 200, method: 'GET', path: '/presets' },
  {
    operationId: 'activatePreset',
    status: 200,
    method: 'POST',
    path: '/presets/queue-chaos/activate',
    body: { seed: 7 },
  },
  {
    operationId: 'activatePreset',
    status: 400,
    method: 'POST',
    path: '/presets/slow-disk/activate',
    body: { node: 'n' },
  },
  { operationId: 'activatePreset', status: 404, method: 'POST', path: '/presets/meteor/activate' },
  { operationId: 'disableAll', status: 200, method: 'POST', path: '/disable-all', setup: withRule('r1') },
  { operationId: 'enable', status: 200, method: 'POST', path: '/enable' },
  { operationId: 'getStatus', status: 200, method: 'GET', path: '/status', setup: withRule('r1') },
  {
    operationId: 'listEvents',
    status: 200,
    method: 'GET',
    path: '/events',
    query: 'scenario=drill',
    setup: async (client) => {
      await withRule('r1')(client);
      client.unit.runtime.faults.setConfigSwitch(true);
      client.unit.runtime.faults.evaluate({ service: 's3-api', point: 'http.server', requestId: 'req-1' });
    },
  },
  { operationId: 'listEvents', status: 400, method: 'GET', path: '/events', query: 'limit=0' },
  { operationId: 'listPoints', status: 200, method: 'GET', path: '/points' },
  {
    operationId: 'explain',
    status: 200,
    method: 'POST',
    path: '/explain',
    body: { service: 's3-api', method: 'PUT', path: '/b/k' },
    setup: withRule('r1'),
  },
  { operationId: 'explain', status: 400, method: 'POST', path: '/explain', body: { point: 'http.server' } },
];

/** The JSON schema of a documented response. */
function responseSchema(doc: Schema, operation: Schema, status: number): Schema | undefined {
  const response = documentedResponse(doc, operation, status);
  return (response?.content as Record<string, { schema: Schema }> | undefined)?.['application/json']?.schema;
}

function requestSchema(operation: Schema): Schema | undefined {
  const body = operation.requestBody as Schema | undefined;
  return (body?.content as Record<string, { schema: Schema }> | undefined)?.['application/json']?.schema;
}

function enumOf(doc: Schema, name: string): unknown[] {
  return (doc.components as { schemas: Record<string, Schema> }).schemas[name]!.enum as unknown[];
}

// The implementation against its contract (docs/openapi/injection.yaml), both ways.
describe('injection OpenAPI contract', () => {
  const doc = loadContract();
  const operations = documentedOperations(doc);
  let client: ControlClient;

  beforeAll(async () => {
    client = await createControlClient();
  });

  beforeEach(async () => {
    client.unit.runtime.faults.enable();
    client.unit.runtime.faults.setConfigSwitch(undefined);
    await client.call('DELETE', '/rules');
  });

  afterAll(async () => {
    await client.unit.runtime.close();
  });

  it('documents every route the handler serves, with the same operation ids', () => {
    // Act
    const served = CONTROL_ROUTES.map((r) => `${r.method} ${INJECTION_BASE}${r.path} ${r.operationId}`);
    const documented = operations.map((o) => `${o.method} ${o.path} ${o.operationId}`);
    // Assess
    expect(documented.sort()).toEqual([...served, 'GET /api/v1/openapi.json getOpenApi'].sort());
  });

  it('has a request for every documented status of every operation', () => {
    // Act
    const documented = operations.flatMap((o) =>
      Object.keys(o.operation.responses as Schema).map((status) => `${o.operationId} ${status}`),
    );
    const covered = [...CASES.map((c) => `${c.operationId} ${c.status}`), 'getOpenApi 200'];
    // Assess
    expect(covered.sort()).toEqual(documented.sort());
  });

  it.each(CASES.map((c) => [`${c.operationId} ${c.status}`, c] as const))(
    '%s: status and body follow the contract',
    async (_label, c) => {
      // Prepare
      await c.setup?.(client);
      const documentedOp = operations.find(
        (o) => o.method === c.method && templateMatches(o.path, `${INJECTION_BASE}${c.path}`),
      );
      expect(documentedOp?.operationId).toBe(c.operationId);
      const op = documentedOp!.operation;
      const inSchema = requestSchema(op);
      if (c.status < 300 && c.body !== undefined) {
        expect(inSchema).toBeDefined();
        expect(checkSchema(doc, inSchema!, c.body)).toEqual([]);
      }
      // Act
      const answer: ControlAnswer = await client.call(c.method, c.path, c.body, c.query);
      // Assess
      expect(answer.status).toBe(c.status);
      const schema = responseSchema(doc, op, answer.status);
      expect(schema).toBeDefined();
      expect(checkSchema(doc, schema!, answer.body)).toEqual([]);
    },
  );

  it('serves the document at GET /api/v1/openapi.json', async () => {
    // Prepare
    const handler = createOpenApiHandler(client.unit.runtime);
    // Act
    const result = await handler(
      apiEvent({ method: 'GET', path: '/api/v1/openapi.json' }),
      unitContext('openApi'),
    );
    // Assess
    const body = JSON.parse(bodyBytes(result).toString('utf8'));
    expect(result.statusCode).toBe(200);
    expect(body).toEqual(doc);
    const op = operations.find((o) => o.operationId === 'getOpenApi')!.operation;
    expect(checkSchema(doc, responseSchema(doc, op, 200)!, body)).toEqual([]);
  });

  it('names the same services, points, fault types, fault parameters and presets as the engine', () => {
    // Prepare
    const faultProperties = Object.keys(
      (doc.components as { schemas: Record<string, Schema> }).schemas.Fault!.properties as Schema,
    );
    const params = new Set(Object.values(FAULT_PARAMS).flatMap((p) => Object.keys(p)));
    // Assess
    expect(enumOf(doc, 'FaultService')).toEqual([...FAULT_SERVICES]);
    expect(enumOf(doc, 'InjectionPoint')).toEqual(INJECTION_POINTS.map((p) => p.point));
    expect(enumOf(doc, 'FaultType')).toEqual(FAULT_TYPES);
    expect(enumOf(doc, 'PresetName')).toEqual([...PRESET_NAMES]);
    expect(faultProperties.sort()).toEqual(['type', ...params].sort());
  });

  it('would catch a body that breaks the contract', () => {
    // Prepare
    const rule = resolveRef(doc, '#/components/schemas/Rule');
    // Act
    const problems = checkSchema(doc, rule, { id: 'x', enabled: 'yes', surprise: true });
    // Assess
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('missing required fault'),
        expect.stringContaining('$.enabled'),
        expect.stringContaining('unexpected property surprise'),
      ]),
    );
  });
});
