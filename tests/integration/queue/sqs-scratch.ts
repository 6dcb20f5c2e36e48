import { randomBytes } from 'node:crypto';
import { DeleteQueueCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SqsQueueOptions } from '../../../shared/queue/adapters/sqs-queue.js';
import { DEFAULT_SQS_ENDPOINT } from '../global-setup.js';

/** The SQS endpoint the integration tests use (moto, started by scripts/moto-up.sh). */
export const SQS_ENDPOINT = process.env.SQS_ENDPOINT || DEFAULT_SQS_ENDPOINT;

/** moto accepts any credentials; fixed ones keep the tests independent of the machine's AWS setup. */
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const REGION = 'us-east-1';

/** A plain client for looking at what an adapter wrote, and for cleaning up. */
export function inspectSqs(): SQSClient {
  return new SQSClient({ endpoint: SQS_ENDPOINT, region: REGION, credentials: CREDENTIALS });
}

/**
 * Queue names of this test file alone: a random run prefix and a counter, so files and runs never
 * share a queue. Remembers them for {@link deleteScratchQueues}.
 */
export function scratchQueues(area: string) {
  const prefix = `test-${area}-${randomBytes(4).toString('hex')}`;
  const names: string[] = [];
  return {
    names,
    /** Options of a new queue (and its `-dead` companion) with fast redelivery, overridable. */
    options(overrides: Partial<SqsQueueOptions> = {}): SqsQueueOptions {
      const queueName = `${prefix}-${names.length + 1}`;
      names.push(queueName, `${queueName}-dead`);
      return {
        endpoint: SQS_ENDPOINT,
        region: REGION,
        credentials: CREDENTIALS,
        queueName,
        maxAttempts: 3,
        visibilityTimeoutSeconds: 5,
        retryDelaySeconds: 0,
        waitTimeSeconds: 1,
        ...overrides,
      };
    },
  };
}

/** Deletes the queues that exist among `names` (a test may never have created its queue). */
export async function deleteScratchQueues(client: SQSClient, names: readonly string[]): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      try {
        const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
        await client.send(new DeleteQueueCommand({ QueueUrl }));
      } catch (error) {
        if (!(error instanceof Error && /NonExistentQueue|QueueDoesNotExist/.test(error.name))) throw error;
      }
    }),
  );
}
