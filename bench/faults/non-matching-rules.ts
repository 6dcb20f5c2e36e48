/**
 * A realistic rule set that a GET of `bench-bucket/get-1024/key-N` must never trigger: what a team's
 * chaos configuration looks like while the bucket under test is not targeted. Rules are spread
 * over every index the engine keeps (point, service, bucket), and a tenth of them sit on the very
 * bucket and point the GETs use, so the engine has to evaluate them and reject each on its key.
 */

/** The bucket and the key prefix the GET phase reads; rules below stay clear of both. */
export interface ReadTarget {
  readonly bucket: string;
  readonly keyPrefix: string;
}

type RuleBody = Record<string, unknown>;

const OTHER_OPERATIONS = [
  'PutObject',
  'DeleteObject',
  'ListObjectsV2',
  'CreateMultipartUpload',
  'HeadBucket',
];
const OTHER_ENDPOINTS = ['PUT /:bucket/:key', 'DELETE /:bucket/:key', 'POST /:bucket/:key', 'PUT /:bucket'];

function pad(n: number): string {
  return String(n).padStart(4, '0');
}

/** The n-th rule, by kind n mod 10; `ttl` keeps every rule alive for the whole run. */
function ruleAt(n: number, read: ReadTarget, ttl: string): RuleBody {
  const id = `bench-nm-${pad(n)}`;
  const tenant = `tenant-${pad(n)}`;
  const common = { id, scenario: `bench-nm-${n % 10}`, ttl, rate: 1 };
  switch (n % 10) {
    case 0: // another tenant's bucket, same operation
      return {
        ...common,
        match: { operation: 'GetObject', bucket: tenant },
        fault: { type: 's3_error', code: 'SlowDown' },
      };
    case 1: // another tenant's bucket, any operation, added latency
      return { ...common, match: { bucket: tenant }, fault: { type: 'latency', ms: 200, jitterMs: 50 } };
    case 2: // the bucket under test, keys under a prefix the GETs never read
      return {
        ...common,
        match: { bucket: read.bucket, key: `archive/${pad(n)}/*` },
        fault: { type: 's3_error', code: 'InternalError' },
      };
    case 3: // key globs on other buckets
      return {
        ...common,
        match: { bucket: `logs-${pad(n)}`, key: '*.gz' },
        fault: { type: 'timeout', ms: 1000 },
      };
    case 4: // other operations or routes, on every bucket
      return n % 20 === 4
        ? {
            ...common,
            match: { operation: OTHER_OPERATIONS[n % OTHER_OPERATIONS.length] },
            fault: { type: 'http_status', status: 503 },
          }
        : {
            ...common,
            match: { endpoint: OTHER_ENDPOINTS[n % OTHER_ENDPOINTS.length] },
            fault: { type: 'latency', ms: 500 },
          };
    case 5: // a test case's header the benchmark never sends
      return {
        ...common,
        match: { headers: { 'x-test-case': `t${pad(n)}` } },
        fault: { type: 's3_error', code: 'ServiceUnavailable' },
      };
    case 6: // storage-node I/O on nodes that do not exist here
      return {
        ...common,
        match: { point: n % 20 === 6 ? 'node.read' : 'node.write', node: `node-${100 + n}` },
        fault: n % 30 === 6 ? { type: 'node_down' } : { type: 'io_latency', ms: 100 },
      };
    case 7: // metadata statements of another tenant
      return {
        ...common,
        match: { point: n % 20 === 7 ? 'db.query' : 'db.commit.before', bucket: tenant },
        fault: n % 20 === 7 ? { type: 'db_latency', ms: 50 } : { type: 'db_error', sqlstate: '40001' },
      };
    case 8: // metadata cache entries of another tenant
      return {
        ...common,
        match: { point: 'cache.get', key: `obj:${tenant}/*` },
        fault: n % 20 === 8 ? { type: 'cache_miss' } : { type: 'cache_stale' },
      };
    default: // storage points of another tenant, and the bucket under test outside its read prefix
      return n % 20 === 9
        ? {
            ...common,
            match: { point: 'storage.get', bucket: tenant },
            fault: { type: 's3_error', code: 'InternalError' },
          }
        : {
            ...common,
            match: { point: 'storage.get', bucket: read.bucket, key: `${read.keyPrefix}-cold/*` },
            fault: { type: 'latency', ms: 300 },
          };
  }
}

/** `count` rule bodies for POST /api/v1/injection/rules, none matching a GET of `read`. */
export function nonMatchingRules(count: number, read: ReadTarget, ttl = '2h'): RuleBody[] {
  return Array.from({ length: count }, (_, n) => ruleAt(n, read, ttl));
}
