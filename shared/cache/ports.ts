/** A read cache: strings with a time to live. Adapters: in-memory (embedded) and Redis. */
export interface CacheClient {
  get(key: string): Promise<string | undefined>;
  /**
   * Reads several keys in one round trip (`MGET` on Redis), each answer at its key's position;
   * the metadata cache reads an entry and its two guards on every GET.
   */
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  del(key: string): Promise<void>;
  close(): Promise<void>;
}
