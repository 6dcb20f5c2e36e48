import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHandler } from '../../../../functions/s3-api/handler.js';
import { bodyBytes } from '../../../../layers/binary-body.js';
import type { LambdaHandler } from '../../../../layers/compose-handler.js';
import { openMetadataStore } from '../../../../shared/metadata/open-metadata-store.js';
import type { MetadataStore } from '../../../../shared/metadata/ports.js';
import { anObject } from '../../../support/metadata-contract.js';
import {
  apiEvent,
  createUnitRuntime,
  type EventInput,
  type UnitRuntime,
  unitContext,
} from '../../../support/unit-runtime.js';

const BUCKET = 'race-bucket';
const CONTESTED = 'contested';

/**
 * A store where another writer commits `key` just before each conditional commit of it: the race a
 * conditional write can lose after its first check passed.
 */
function withRivalWriter(inner: MetadataStore): MetadataStore {
  const rival = () => inner.putObject(anObject(BUCKET, CONTESTED, { etag: '"rival"' }));
  return {
    ...inner,
    async putObject(object, condition) {
      if (condition && object.key === CONTESTED) await rival();
      return inner.putObject(object, condition);
    },
    async completeUpload(uploadId, object, condition) {
      if (condition && object.key === CONTESTED) await rival();
      return inner.completeUpload(uploadId, object, condition);
    },
  };
}

// The s3-api function through its real Middy pipeline, over in-memory adapters.
describe('conditional writes that lose a race at commit', () => {
  let unit: UnitRuntime;
  let inner: MetadataStore;
  let handler: LambdaHandler;
  const send = (input: EventInput) => handler(apiEvent(input), unitContext());
  const storedBlobs = async () =>
    (await Promise.all(unit.nodes.map((node) => node.health()))).reduce(
      (sum, node) => sum + (node.blobs ?? 0),
      0,
    );

  beforeAll(async () => {
    inner = await openMetadataStore({ backend: 'pglite' });
    unit = await createUnitRuntime(withRivalWriter(inner));
    handler = createHandler(unit.runtime);
    await send({ method: 'PUT', path: `/${BUCKET}` });
  });

  afterAll(async () => {
    await unit.runtime.close();
  });

  it('answers PutObject with If-None-Match: * 409 ConditionalRequestConflict and discards its bytes', async () => {
    // Prepare
    await inner.deleteObject(BUCKET, CONTESTED);
    const blobsBefore = await storedBlobs();

    // Act
    const put = await send({
      method: 'PUT',
      path: `/${BUCKET}/${CONTESTED}`,
      headers: { 'if-none-match': '*' },
      body: 'mine',
    });

    // Assess
    expect(put.statusCode).toBe(409);
    expect(bodyBytes(put).toString()).toContain('<Code>ConditionalRequestConflict</Code>');
    expect((await inner.getObject(BUCKET, CONTESTED))?.etag).toBe('"rival"');
    expect(await storedBlobs()).toBe(blobsBefore);
  });

  it('answers CompleteMultipartUpload with If-Match 409 and keeps the upload open', async () => {
    // Prepare
    // Through the handler, so the metadata cache sees the write as well.
    const before = await send({ method: 'PUT', path: `/${BUCKET}/${CONTESTED}`, body: 'before' });
    const created = await send({ method: 'POST', path: `/${BUCKET}/${CONTESTED}`, query: 'uploads=' });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(bodyBytes(created).toString())?.[1] ?? '';
    const part = await send({
      method: 'PUT',
      path: `/${BUCKET}/${CONTESTED}`,
      query: `partNumber=1&uploadId=${uploadId}`,
      body: 'part one',
    });
    const completion = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.headers?.etag}</ETag></Part></CompleteMultipartUpload>`;

    // Act
    const completed = await send({
      method: 'POST',
      path: `/${BUCKET}/${CONTESTED}`,
      query: `uploadId=${uploadId}`,
      headers: { 'if-match': String(before.headers?.etag) },
      body: completion,
    });

    // Assess
    expect(completed.statusCode).toBe(409);
    expect(bodyBytes(completed).toString()).toContain('<Code>ConditionalRequestConflict</Code>');
    expect((await inner.getObject(BUCKET, CONTESTED))?.etag).toBe('"rival"');
    expect(await inner.listParts(uploadId)).toHaveLength(1);
  });
});
