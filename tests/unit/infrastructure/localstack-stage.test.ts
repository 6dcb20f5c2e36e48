import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { readRepoFile } from './compose-file.js';

type Env = Record<string, string | undefined>;
interface PluginInstance {
  hooks: { initialize: () => void };
}
type PluginClass = new (
  serverless: { service: unknown; cli: { log: (message: string) => void } },
  options: { stage?: string },
) => PluginInstance;

const require = createRequire(import.meta.url);
const LocalstackEndpoint =
  require('../../../infrastructure/serverless/localstack-endpoint.cjs') as PluginClass;

// serverless.yml's `localstack` stage must leave the default stage (stack mode, embedded gateway) alone.
describe('serverless.yml localstack stage', () => {
  const file = parse(readRepoFile('serverless.yml')) as {
    provider: { environment: string };
    plugins: string[];
    custom: { localstack: { stages: string[] }; stageEnvironment: Record<string, Record<string, string>> };
    resources: {
      Resources: Record<string, { Type: string; Condition?: string; Properties: { QueueName: string } }>;
    };
  };

  it('sets the SQS queue environment in the localstack stage only', () => {
    expect(file.provider.environment).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: serverless variable syntax, not JS
      '${self:custom.stageEnvironment.${sls:stage}, self:custom.stageEnvironment.default}',
    );
    expect(file.custom.stageEnvironment.default).toEqual({});
    expect(file.custom.stageEnvironment.localstack).toMatchObject({ QUEUE_BACKEND: 'sqs' });
    expect(file.custom.localstack.stages).toEqual(['localstack']);
  });

  it('creates the task queue and its dead-letter queue only under the IsLocalstack condition', () => {
    const queues = Object.values(file.resources.Resources).filter((r) => r.Type === 'AWS::SQS::Queue');
    expect(queues).toHaveLength(2);
    for (const queue of queues) expect(queue.Condition).toBe('IsLocalstack');
    // The SQS adapter's default names (shared/queue/adapters/sqs-queue.ts): <name> and <name>-dead.
    const names = queues.map((queue) => queue.Properties.QueueName).sort();
    expect(names[0]).toMatch(/^\$\{self:custom\.sqs\.queueName\}$/);
    expect(names[1]).toBe(`${names[0]}-dead`);
  });

  function runPlugin(stage: string, env: Env): string[] {
    const logged: string[] = [];
    const saved = { ...process.env };
    for (const name of ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
      delete process.env[name];
    try {
      const plugin = new LocalstackEndpoint(
        {
          service: {
            provider: { stage: 'local' },
            custom: { localstack: { stages: ['localstack'], host: 'http://ls.test', edgePort: '4599' } },
          },
          cli: { log: (message) => logged.push(message) },
        },
        { stage },
      );
      plugin.hooks.initialize();
      Object.assign(env, {
        AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL,
        AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
      });
    } finally {
      process.env = saved;
    }
    return logged;
  }

  it('points the AWS SDK at LocalStack in the localstack stage', () => {
    const env: Env = {};
    const logged = runPlugin('localstack', env);
    expect(env).toEqual({ AWS_ENDPOINT_URL: 'http://ls.test:4599', AWS_ACCESS_KEY_ID: 'test' });
    expect(logged).toHaveLength(1);
  });

  it('does nothing in any other stage', () => {
    const env: Env = {};
    const logged = runPlugin('local', env);
    expect(env).toEqual({ AWS_ENDPOINT_URL: undefined, AWS_ACCESS_KEY_ID: undefined });
    expect(logged).toEqual([]);
  });

  it('is loaded from a path that exists', () => {
    const local = file.plugins.filter((plugin) => plugin.startsWith('./'));
    expect(local).toEqual(['./infrastructure/serverless/localstack-endpoint.cjs']);
    expect(() => require.resolve(`../../../${local[0]?.slice(2)}`)).not.toThrow();
  });
});
