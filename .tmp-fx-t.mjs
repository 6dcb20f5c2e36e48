import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3';
const c = new S3Client({ endpoint: 'http://127.0.0.1:19000', region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 't', secretAccessKey: 't' }, maxAttempts: 1 });
const A = 'http://127.0.0.1:19001/api/v1/injection';
async function rule(fault) { await fetch(A + '/rules', { method: 'DELETE' }); await fetch(A + '/rules', { method: 'POST', body: JSON.stringify({ match: { service: 'gateway', point: 'gateway.socket', operation: 'GetObject' }, fault }) }); }
async function get(label) {
  const t = Date.now();
  try { const r = await c.send(new GetObjectCommand({ Bucket: 'bkt1', Key: 'obj' })); console.log(label, 'hdr', Date.now() - t); const b = await r.Body.transformToByteArray(); console.log(label, 'ok', Date.now() - t, b.length); }
  catch (e) { console.log(label, 'err', Date.now() - t, e.name, e.code, e.message); }
}
const seq = process.argv.slice(2);
const F = { none: null, bw: { type: 'bandwidth', bytesPerSec: 50000 }, slow: { type: 'slow_body', chunkBytes: 20000, delayMs: 250 }, stall: { type: 'stall', afterBytes: 1000, ms: 1200 } };
for (const l of seq) { if (F[l]) await rule(F[l]); else await fetch(A + '/rules', { method: 'DELETE' }); await get(l); }
