/** A server under benchmark once it is up: where to send requests and how to shut it down. */
export interface RunningTarget {
  readonly name: string;
  /** Origin of the S3 endpoint, always on 127.0.0.1, e.g. `http://127.0.0.1:41234`. */
  readonly baseUrl: string;
  /** Headers added to every request; called once per phase so dated headers stay fresh. */
  headers(): Record<string, string>;
  /** The server's process (the root of its process tree), for its resident memory; absent for shared ones. */
  readonly pid?: number;
  /** Targets with the same key serve the same data (the hops of one stack): prepared once. */
  readonly dataKey?: string;
  stop(): Promise<void>;
}

/** An entry of the target registry: a name and a way to start a fresh instance. */
export interface TargetDefinition {
  readonly name: string;
  start(): Promise<RunningTarget>;
}
