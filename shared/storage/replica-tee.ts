import { Readable } from 'node:stream';
import { type BlobSource, BlobSourceSizeError } from './ports.js';

/**
 * One source read once into the R replica writes of a streamed put (`branch()` per writer). A chunk
 * is read from the source only when every branch has asked for more, so the slowest replica paces
 * the source and nothing is buffered beyond one chunk per branch. Until the first chunk is read a
 * writer whose node failed may `drop` its branch and take a new one for the next node; after it,
 * one failure ends them all (`abort`): the bytes already passed cannot be sent again.
 */
export interface ReplicaTee {
  /** A branch for one replica write. Only before the first byte is read (`started`). */
  branch(): BlobSource;
  /** Forgets a branch whose write failed before the first byte; a replacement is expected. */
  drop(branch: BlobSource): void;
  /** Whether the first chunk has been read from the source. */
  readonly started: boolean;
  /** Stops reading the source and fails every branch with `error` (the first failure wins). */
  abort(error: Error): void;
  /** What ended the source early: its own error, or a BlobSourceSizeError. */
  readonly sourceFailure: Error | undefined;
}

/** A branch asks for the next chunk once it holds less than this (Node 20's default). */
const BRANCH_HIGH_WATER_MARK = 16 * 1024;

interface Branch {
  source: BlobSource;
  readable: Readable;
  wanting: boolean;
}

/** A tee of `source` into `width` branches (see {@link ReplicaTee}). */
export function createReplicaTee(source: BlobSource, width: number): ReplicaTee {
  const branches = new Set<Branch>();
  const iterator = source.stream[Symbol.asyncIterator]();
  let started = false;
  let pulling = false;
  let finished = false;
  let received = 0;
  let failure: Error | undefined;
  let sourceFailure: Error | undefined;

  const fail = (error: Error) => {
    if (finished) return;
    finished = true;
    failure = error;
    for (const branch of branches) branch.readable.destroy(error);
  };

  const pull = () => {
    if (pulling || finished || branches.size < width) return;
    for (const branch of branches) if (!branch.wanting) return;
    pulling = true;
    started = true;
    iterator.next().then(
      ({ value, done }) => {
        pulling = false;
        if (finished) return;
        if (done) {
          if (received < source.size) return failSource(new BlobSourceSizeError(source.size, received));
          finished = true;
          for (const branch of branches) branch.readable.push(null);
          return;
        }
        const chunk = value as Buffer;
        received += chunk.length;
        if (received > source.size) return failSource(new BlobSourceSizeError(source.size, received));
        for (const branch of branches) {
          branch.wanting = false;
          branch.readable.push(chunk);
        }
        pull();
      },
      (error: unknown) => {
        pulling = false;
        failSource(error instanceof Error ? error : new Error(String(error)));
      },
    );
  };

  const failSource = (error: Error) => {
    sourceFailure ??= error;
    fail(error);
  };

  return {
    branch() {
      if (started) throw new Error('a replica tee takes no new branch once the source is being read');
      const branch: Branch = {
        wanting: false,
        source: undefined as unknown as BlobSource,
        readable: new Readable({
          // Node 22 raised the default to 64 KiB: a branch would ask for chunks while holding several.
          highWaterMark: BRANCH_HIGH_WATER_MARK,
          read() {
            branch.wanting = true;
            pull();
          },
        }),
      };
      branch.source = { size: source.size, stream: branch.readable };
      if (failure) branch.readable.destroy(failure);
      branches.add(branch);
      return branch.source;
    },
    drop(dropped) {
      for (const branch of branches) {
        if (branch.source !== dropped) continue;
        branches.delete(branch);
        branch.readable.destroy();
      }
    },
    get started() {
      return started;
    },
    abort(error) {
      // The source is not destroyed: its owner (the S3 request) still answers on its connection.
      fail(error);
    },
    get sourceFailure() {
      return sourceFailure;
    },
  };
}
