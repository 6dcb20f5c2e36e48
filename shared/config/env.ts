import { DEFAULT_SCRUB_PER_PASS } from '../async/reconcile.js';
import { DEFAULT_TASK_CONCURRENCY } from '../queue/ports.js';

/**
 * The environment, parsed once into a typed, frozen object. Nothing else reads `process.env`.
 * Each variable is validated; a bad value stops start-up with an error naming the variable.
 */
export interface Config {
  host: string;
  port: number;
  adminPort: number;
  /**
   * Host names a mutating control-plane call may name in `Host` besides the loopback names and
   * HOST (ADMIN_ALLOWED_HOSTS, comma-separated), e.g. the machine's name when HOST=0.0.0.0.
   */
  adminAllowedHosts: readonly string[];
  dataDir: string;
  s3Domain: string;
  faultsEnabled: boolean;
  faults: {
    /** `x-mock-fault` request headers inject for one request (FAULTS_HEADER_ENABLED). */
    headerEnabled: boolean;
    /** The longest TTL a rule may have (FAULTS_MAX_TTL, e.g. "24h"). */
    maxTtlMs: number;
    /** The most live rules the engine holds (FAULTS_MAX_RULES); beyond it a change is refused. */
    maxRules: number;
    /** Name the firing rule in an `x-mock-fault-rule` response header (FAULTS_RESPONSE_HEADER). */
    responseHeader: boolean;
  };
  logLevel: LogLevel;
  storage: {
    /** Storage nodes in embedded mode (directories under DATA_DIR/nodes). */
    nodes: number;
    /**
     * Replicas written per blob; a write is acknowledged once all are stored (flushed to the disk
     * only with `STORAGE_FSYNC`, off by default with PGlite, whose commits are not flushed either).
     */
    replicas: number;
    /**
     * Flush each replica to the disk before acknowledging a write (STORAGE_FSYNC). The default
     * follows the metadata store, whose commit is what makes an object exist: PostgreSQL flushes
     * its commits, so replicas are flushed too (a write survives a power loss); PGlite never
     * flushes (no fsync reaches the disk from it), so flushing replicas would make no write
     * survive a power loss that does not already, and costs a third of PUT throughput. Either way
     * a write survives the process being killed: its bytes and its row are in the kernel's page
     * cache before the answer.
     */
    fsync: boolean;
  };
  metadata: { backend: 'pglite' | 'postgres'; databaseUrl: string | undefined };
  cache: {
    backend: 'memory' | 'redis';
    ttlSeconds: number;
    /** Bound of the in-process cache (CACHE_BACKEND=memory) in bytes; the least recently used go first. */
    maxBytes: number;
  };
  queue: {
    backend: 'memory' | 'redis' | 'sqs';
    maxAttempts: number;
    /** Tasks this process's consumer runs at once. */
    concurrency: number;
    /** QUEUE_BACKEND=sqs: Amazon SQS or an emulator (moto, LocalStack). */
    sqs: {
      /** SQS_ENDPOINT, e.g. http://127.0.0.1:5055 for moto; AWS's regional endpoint when absent. */
      endpoint: string | undefined;
      /** SQS_QUEUE_NAME; the dead letters go to `<name>-dead`. */
      queueName: string;
      /** AWS_REGION (default us-east-1). */
      region: string;
      /**
       * Dummy credentials for an emulator (SQS_ENDPOINT set) when the environment names none
       * (AWS_ACCESS_KEY_ID, AWS_PROFILE); otherwise undefined: the SDK's own credential chain.
       */
      credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
    };
  };
  redisUrl: string | undefined;
  discovery: {
    /** `static`: the storage nodes are directories of this process; `etcd`: worker processes found in etcd. */
    backend: 'static' | 'etcd';
    etcdUrl: string;
    /** A storage-node worker's lease: a killed worker disappears from discovery after this. */
    nodeLeaseTtlSeconds: number;
  };
  /** Period of the reconcile pass (repair replicas, collect orphaned blobs). */
  reconcileIntervalMs: number;
  /** Orphan blobs younger than this are left alone: their upload may still be committing. */
  orphanGraceMs: number;
  /** Referenced blobs each reconcile pass reads back and verifies (0: stat checks only). */
  scrubPerPass: number;
  gateway: {
    /** Largest request body accepted; larger ones get EntityTooLarge. */
    maxBodyBytes: number;
    /** An upload whose body stops arriving for this long gets RequestTimeout (S3 waits ~20 s). */
    bodyIdleTimeoutMs: number;
    /** Cap on bytes of buffered bodies in flight (embedded mode); new buffered requests beyond it get SlowDown. */
    maxBufferedBytes: number;
  };
  /** OTLP/HTTP endpoint of every signal (OTEL_EXPORTER_OTLP_ENDPOINT); none by default. */
  otlpEndpoint: string | undefined;
  /**
   * How each signal goes out over OTLP/HTTP: `endpoint` to OTEL_EXPORTER_OTLP_ENDPOINT,
   * `signal-endpoint` to OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_ENDPOINT (which wins, as the
   * specification says), `off` when neither is set, OTEL_{TRACES,METRICS,LOGS}_EXPORTER is `none`
   * or OTEL_SDK_DISABLED is `true`. Only the choice lives here: the SDK reads the signal's
   * endpoint, headers and timeout from the environment itself.
   */
  otlpExport: OtlpExport;
  /** Time between two OTLP metric exports (OTEL_METRIC_EXPORT_INTERVAL, ms; the SDK's 60 s default). */
  otlpMetricExportIntervalMs: number;
  /**
   * Where the dashboard links a firing's trace (TRACE_LINK_TEMPLATE): an http(s) URL with
   * `{trace_id}` in it, e.g. Jaeger's `http://127.0.0.1:16686/api/traces/{trace_id}`; no links when absent.
   */
  traceLinkTemplate: string | undefined;
  /**
   * The origin of the simple case (ORIGIN_ENDPOINT, ORIGIN_BUCKETS, ORIGIN_KIND, ORIGIN_ACCESS_KEY_ID,
   * ORIGIN_SECRET_ACCESS_KEY): every listed bucket (or every bucket, for `*`) reads through to the
   * origin's bucket of the same name, with the defaults of `origin-config.ts`. An origin stored
   * through the control plane wins over it.
   */
  origin: {
    endpoint: string | undefined;
    /** Local bucket names; `*` alone stands for every bucket. */
    buckets: readonly string[];
    kind: 's3' | 'http';
    credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  };
}

/** Per OpenTelemetry signal: where it is exported over OTLP, if anywhere (see `Config.otlpExport`). */
export interface OtlpExport {
  traces: OtlpSignalExport;
  metrics: OtlpSignalExport;
  logs: OtlpSignalExport;
}

export type OtlpSignalExport = 'off' | 'endpoint' | 'signal-endpoint';

/** 64 MiB: about 100 000 object entries of a typical size (the bound was 100 000 entries before). */
const DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024;

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** Parses the environment (defaults as in ARCHITECTURE.md, Ports). */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const metadataBackend = oneOf(env, 'METADATA_BACKEND', ['pglite', 'postgres'] as const, 'pglite');
  const config: Config = {
    host: text(env, 'HOST', '127.0.0.1'),
    port: integer(env, 'PORT', 8080, 0, 65535),
    adminPort: integer(env, 'ADMIN_PORT', 9000, 0, 65535),
    adminAllowedHosts: hostNames(env, 'ADMIN_ALLOWED_HOSTS'),
    dataDir: text(env, 'DATA_DIR', './.data'),
    s3Domain: text(env, 'S3_DOMAIN', 'localhost'),
    faultsEnabled: flag(env, 'FAULTS_ENABLED', false),
    faults: {
      headerEnabled: flag(env, 'FAULTS_HEADER_ENABLED', false),
      maxTtlMs: duration(env, 'FAULTS_MAX_TTL', 24 * 3_600_000),
      maxRules: integer(env, 'FAULTS_MAX_RULES', 10_000, 1, 1_000_000),
      responseHeader: flag(env, 'FAULTS_RESPONSE_HEADER', true),
    },
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    storage: {
      nodes: integer(env, 'STORAGE_NODES', 3, 1, 64),
      replicas: integer(env, 'REPLICATION_FACTOR', 2, 1, 64),
      fsync: flag(env, 'STORAGE_FSYNC', metadataBackend === 'postgres'),
    },
    metadata: {
      backend: metadataBackend,
      databaseUrl: env.DATABASE_URL || undefined,
    },
    cache: {
      backend: oneOf(env, 'CACHE_BACKEND', ['memory', 'redis'] as const, 'memory'),
      ttlSeconds: integer(env, 'CACHE_TTL_SECONDS', 60, 1, 86400),
      maxBytes: integer(env, 'CACHE_MAX_BYTES', DEFAULT_CACHE_MAX_BYTES, 1024, 2 ** 40),
    },
    queue: {
      backend: oneOf(env, 'QUEUE_BACKEND', ['memory', 'redis', 'sqs'] as const, 'memory'),
      maxAttempts: integer(env, 'QUEUE_MAX_ATTEMPTS', 5, 1, 100),
      concurrency: integer(env, 'QUEUE_CONCURRENCY', DEFAULT_TASK_CONCURRENCY, 1, 1024),
      sqs: {
        endpoint: httpUrl(env, 'SQS_ENDPOINT'),
        queueName: sqsQueueName(env, 'SQS_QUEUE_NAME', 'mock-s3-tasks'),
        region: text(env, 'AWS_REGION', 'us-east-1'),
        credentials:
          env.SQS_ENDPOINT && !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE
            ? { accessKeyId: 'test', secretAccessKey: 'test' }
            : undefined,
      },
    },
    redisUrl: env.REDIS_URL || undefined,
    discovery: {
      backend: oneOf(env, 'DISCOVERY_BACKEND', ['static', 'etcd'] as const, 'static'),
      etcdUrl: text(env, 'ETCD_URL', 'http://127.0.0.1:2379'),
      nodeLeaseTtlSeconds: integer(env, 'NODE_LEASE_TTL_SECONDS', 10, 1, 300),
    },
    reconcileIntervalMs: integer(env, 'RECONCILE_INTERVAL_MS', 180_000, 1000, 86_400_000),
    orphanGraceMs: integer(env, 'ORPHAN_GRACE_MS', 600_000, 0, 86_400_000),
    scrubPerPass: integer(env, 'RECONCILE_SCRUB_BLOBS', DEFAULT_SCRUB_PER_PASS, 0, 10_000_000),
    gateway: {
      maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 1024 ** 3, 1, 4 * 1024 ** 3 - 1),
      bodyIdleTimeoutMs: integer(env, 'BODY_IDLE_TIMEOUT_MS', 20_000, 100, 3_600_000),
      maxBufferedBytes: integer(env, 'MAX_BUFFERED_BYTES', 256 * 1024 ** 2, 1, 64 * 1024 ** 3),
    },
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
    otlpExport: {
      traces: otlpSignalExport(env, 'TRACES'),
      metrics: otlpSignalExport(env, 'METRICS'),
      logs: otlpSignalExport(env, 'LOGS'),
    },
    otlpMetricExportIntervalMs: integer(env, 'OTEL_METRIC_EXPORT_INTERVAL', 60_000, 1, 86_400_000),
    traceLinkTemplate: traceLinkTemplate(env, 'TRACE_LINK_TEMPLATE'),
    origin: {
      endpoint: httpUrl(env, 'ORIGIN_ENDPOINT')?.replace(/\/+$/, ''),
      buckets: bucketList(env, 'ORIGIN_BUCKETS'),
      kind: oneOf(env, 'ORIGIN_KIND', ['s3', 'http'] as const, 's3'),
      credentials:
        env.ORIGIN_ACCESS_KEY_ID && env.ORIGIN_SECRET_ACCESS_KEY
          ? { accessKeyId: env.ORIGIN_ACCESS_KEY_ID, secretAccessKey: env.ORIGIN_SECRET_ACCESS_KEY }
          : undefined,
    },
  };
  if (config.storage.replicas > config.storage.nodes) {
    throw new ConfigError(
      `REPLICATION_FACTOR (${config.storage.replicas}) cannot exceed STORAGE_NODES (${config.storage.nodes})`,
    );
  }
  if (config.origin.buckets.length > 0 !== (config.origin.endpoint !== undefined)) {
    throw new ConfigError(
      'ORIGIN_ENDPOINT and ORIGIN_BUCKETS go together (ORIGIN_BUCKETS: a comma list, or *)',
    );
  }
  if (config.metadata.backend === 'postgres' && !config.metadata.databaseUrl) {
    throw new ConfigError('METADATA_BACKEND=postgres needs DATABASE_URL');
  }
  if ((config.cache.backend === 'redis' || config.queue.backend === 'redis') && !config.redisUrl) {
    throw new ConfigError('CACHE_BACKEND=redis or QUEUE_BACKEND=redis needs REDIS_URL');
  }
  return deepFreeze(config);
}

function text(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

/** A comma-separated list of host names or IP addresses (IPv6 with or without brackets), lower-case. */
function hostNames(env: Env, name: string): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((entry) => {
    const host = entry
      .trim()
      .toLowerCase()
      .replace(/^\[(.*)\]$/, '$1');
    if (!/^[a-z0-9.-]{1,253}$/.test(host) && !/^(?=.*:.*:)[0-9a-f:.]{2,45}$/.test(host)) {
      throw new ConfigError(
        `${name} must list host names or addresses separated by commas (no ports), got "${entry.trim()}"`,
      );
    }
    return host;
  });
}

/** A comma-separated list of bucket names, or `*` alone for every bucket. */
function bucketList(env: Env, name: string): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [];
  const names = raw.split(',').map((entry) => entry.trim());
  if (names.length === 1 && names[0] === '*') return ['*'];
  for (const bucket of names) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new ConfigError(`${name} must list bucket names separated by commas, or be *, got "${bucket}"`);
    }
  }
  return names;
}

/** An optional http(s) URL. */
function httpUrl(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) {
    throw new ConfigError(`${name} must be an http(s) URL such as http://127.0.0.1:5055, got "${raw}"`);
  }
  return raw;
}

/** An optional http(s) URL template holding `{trace_id}`. */
function traceLinkTemplate(env: Env, name: string): string | undefined {
  const raw = httpUrl(env, name);
  if (raw !== undefined && !raw.includes('{trace_id}')) {
    throw new ConfigError(
      `${name} must hold {trace_id}, e.g. http://127.0.0.1:16686/api/traces/{trace_id}, got "${raw}"`,
    );
  }
  return raw;
}

/** A standard SQS queue name, short enough for its `-dead` companion (SQS allows 80 characters). */
function sqsQueueName(env: Env, name: string, fallback: string): string {
  const value = text(env, name, fallback);
  if (!/^[A-Za-z0-9_-]{1,75}$/.test(value)) {
    throw new ConfigError(
      `${name} must be 1 to 75 letters, digits, hyphens or underscores (a standard queue), got "${value}"`,
    );
  }
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** "500ms", "30s", "5m", "2h" (or a bare number of milliseconds). */
function duration(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const match = /^(\d+)(ms|s|m|h)?$/.exec(raw.trim());
  if (!match) throw new ConfigError(`${name} must be a duration such as 500ms, 30s, 5m or 2h, got "${raw}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'on', 'yes'].includes(raw)) return true;
  if (['false', '0', 'off', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true/1/on or false/0/off, got "${env[name]}"`);
}

/**
 * Where a signal goes over OTLP (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/):
 * its own endpoint before the common one; nowhere when its exporter is `none` or the SDK is
 * disabled (only `true` disables it, as the specification says; any other value is ignored).
 */
function otlpSignalExport(env: Env, signal: 'TRACES' | 'METRICS' | 'LOGS'): OtlpSignalExport {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return 'off';
  const exporters = (env[`OTEL_${signal}_EXPORTER`] ?? '').split(',').map((name) => name.trim());
  if (exporters.includes('none')) return 'off';
  if (env[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`]) return 'signal-endpoint';
  return env.OTEL_EXPORTER_OTLP_ENDPOINT ? 'endpoint' : 'off';
}

function oneOf<const T extends readonly string[]>(
  env: Env,
  name: string,
  allowed: T,
  fallback: T[number],
): T[number] {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!allowed.includes(raw))
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T[number];
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const inner of Object.values(value)) {
    if (inner && typeof inner === 'object') deepFreeze(inner);
  }
  return Object.freeze(value);
}
