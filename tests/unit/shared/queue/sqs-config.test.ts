import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../../../shared/config/env.js';

describe('QUEUE_BACKEND=sqs configuration', () => {
  it('defaults the queue name and region, and needs no endpoint (then AWS itself)', () => {
    // Act
    const config = loadConfig({ QUEUE_BACKEND: 'sqs' });

    // Assess
    expect(config.queue).toMatchObject({
      backend: 'sqs',
      sqs: { endpoint: undefined, queueName: 'mock-s3-tasks', region: 'us-east-1', credentials: undefined },
    });
  });

  it('gives an emulator endpoint dummy credentials only when the environment names none', () => {
    // Act
    const bare = loadConfig({ QUEUE_BACKEND: 'sqs', SQS_ENDPOINT: 'http://127.0.0.1:5055' });
    const withKeys = loadConfig({
      QUEUE_BACKEND: 'sqs',
      SQS_ENDPOINT: 'http://127.0.0.1:5055',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_REGION: 'eu-west-1',
      SQS_QUEUE_NAME: 'chaos_tasks-2',
    });

    // Assess
    expect(bare.queue.sqs.credentials).toEqual({ accessKeyId: 'test', secretAccessKey: 'test' });
    expect(withKeys.queue.sqs).toEqual({
      endpoint: 'http://127.0.0.1:5055',
      queueName: 'chaos_tasks-2',
      region: 'eu-west-1',
      credentials: undefined,
    });
  });

  it.each([
    ['SQS_ENDPOINT', 'localhost:5055', /SQS_ENDPOINT must be an http\(s\) URL/],
    ['SQS_ENDPOINT', 'ftp://127.0.0.1', /SQS_ENDPOINT must be an http\(s\) URL/],
    ['SQS_QUEUE_NAME', 'tasks.fifo', /SQS_QUEUE_NAME must be 1 to 75 letters/],
    ['SQS_QUEUE_NAME', 'x'.repeat(76), /SQS_QUEUE_NAME must be 1 to 75 letters/],
    ['QUEUE_BACKEND', 'kafka', /QUEUE_BACKEND must be one of memory, redis, sqs, got "kafka"/],
  ])('rejects %s=%s with an error naming the variable', (name, value, message) => {
    // Act
    const loading = () => loadConfig({ QUEUE_BACKEND: 'sqs', [name]: value });

    // Assess
    expect(loading).toThrow(ConfigError);
    expect(loading).toThrow(message);
  });
});
