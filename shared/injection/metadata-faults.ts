import type { FaultEngine } from '../faults/engine.js';
import { InjectedFault } from '../faults/injected-fault.js';
import type { InjectionPoint } from '../faults/rule.js';
import { type MetadataStore, MetadataUnavailableError } from '../metadata/ports.js';
import { faultAt, type TerminalFault } from './fault-point.js';

const READS = [
  'getBucket',
  'listBuckets',
  'getObject',
  'listObjects',
  'getObjectVersion',
  'latestVersion',
  'listObjectVersions',
  'noncurrentVersionStats',
  'getUpload',
  'listParts',
  'listUploads',
  'referencedBlobs',
  'listReferencedBlobs',
] as const;

const WRITES = [
  'createBucket',
  'deleteBucket',
  'setBucketVersioning',
  'putBucketConfig',
  'deleteBucketConfig',
  'updateObjectAttributes',
  'putObject',
  'deleteObject',
  'putDeleteMarker',
  'deleteObjectVersion',
  'createUpload',
  'putPart',
  'completeUpload',
  'abortUpload',
] as const;

/**
 * The metadata service's points: `db.query` on every statement, and around each write transaction
 * `db.commit.before` (nothing is written) and `db.commit.after` (the commit happened, the caller
 * still sees a failure: the case that tests whether clients and our own clean-up cope).
 */
export function withMetadataFaults(store: MetadataStore, engine: FaultEngine): MetadataStore {
  const at = (point: InjectionPoint) => faultAt(engine, { service: 'metadata', point });
  const wrapped: MetadataStore = { ...store, reset: () => store.reset(), close: () => store.close() };
  const target = wrapped as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const source = store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of READS) {
    target[name] = async (...args) => {
      // Reads are the GET path: with nothing armed at `db.query`, no event and no extra await.
      if (engine.armedAt('db.query', 'metadata')) failWith(await at('db.query'));
      return source[name]!.apply(store, args);
    };
  }
  for (const name of WRITES) {
    target[name] = async (...args) => {
      failWith(await at('db.query'));
      failWith(await at('db.commit.before'));
      const result = await source[name]!.apply(store, args);
      failWith(await at('db.commit.after'));
      return result;
    };
  }
  return wrapped;
}

/** A database failure as the pg adapter reports one, so callers cannot tell it from a real one. */
function failWith(hit: TerminalFault | undefined): void {
  if (!hit) return;
  const { fault, origin } = hit;
  const cause = new InjectedFault(origin, fault);
  if (fault.type === 'db_error') {
    throw new MetadataUnavailableError(`injected SQLSTATE ${fault.sqlstate}`, {
      sqlstate: fault.sqlstate,
      cause,
    });
  }
  if (fault.type === 'commit_fail') {
    throw new MetadataUnavailableError(`injected commit failure (${origin.point})`, {
      sqlstate: '08006',
      cause,
    });
  }
  throw cause;
}
