/** A read cache: strings with a time to live. Adapters: in-memory (embedded) and Redis. */
export interface CacheClient {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  del(key: string): Promise<void>;
  close(): Promise<void>;
}
