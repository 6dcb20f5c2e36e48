import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readScenarioFile } from '../../../../tools/cli/scenario-file.js';
import { type ControlClient, createControlClient } from '../../functions/injection/support.js';

const EXAMPLES = 'examples/scenarios';

// Every example scenario file is accepted by the real control API, as `mock-s3 scenario apply` sends it.
describe('example scenario files', () => {
  let client: ControlClient;

  beforeAll(async () => {
    client = await createControlClient();
  });

  afterAll(async () => {
    await client.unit.runtime.close();
  });

  it('has the half_slow_write example of the README', async () => {
    // Act
    const scenario = await readScenarioFile(join(EXAMPLES, 'half_slow_write.yaml'));
    // Assess
    expect(scenario).toEqual({
      name: 'half_slow_write',
      rules: [
        {
          service: 's3-api',
          endpoint: 'PUT /:bucket/:key',
          type: 'latency',
          value_ms: 500,
          rate: 0.5,
          ttl: '5m',
        },
      ],
    });
  });

  it('applies every example', async () => {
    // Prepare
    const files = (await readdir(EXAMPLES)).filter((f) => /\.(ya?ml|json)$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) {
      const scenario = await readScenarioFile(join(EXAMPLES, file));
      // Act
      const answer = await client.call('POST', `/scenarios/${scenario.name}`, { rules: scenario.rules });
      // Assess
      expect({ file, status: answer.status, error: answer.body.error }).toEqual({
        file,
        status: 201,
        error: undefined,
      });
      expect(answer.body.rules).toHaveLength(scenario.rules.length);
    }
  });
});
