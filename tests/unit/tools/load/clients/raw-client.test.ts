// The raw client against a local server that, like moto, refuses a request with no Authorization
// header and names its request id `x-amzn-requestid`.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { expect, it } from '@jest/globals';
import { createRawClient } from '../../../../../tools/load/clients/raw-client.js';

it('sends a SigV4-shaped Authorization and reads x-amzn-requestid', async () => {
  // Prepare
  const server = createServer((request, response) => {
    request.resume();
    const signed = request.headers.authorization?.startsWith('AWS4-HMAC-SHA256 Credential=') === true;
    response.writeHead(signed ? 200 : 403, { 'content-length': 3, 'x-amzn-requestid': 'moto-1' }).end('abc');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const client = createRawClient(`http://127.0.0.1:${port}`);

  // Act
  const answer = await client.getObject('bucket', 'key');

  // Assess
  expect(answer).toMatchObject({ ok: true, status: 200, requestIds: ['moto-1'] });
  expect(answer.body?.toString()).toBe('abc');
  await client.close();
  server.close();
  await once(server, 'close');
});
