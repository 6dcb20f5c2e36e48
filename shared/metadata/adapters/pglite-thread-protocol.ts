/** Messages between the main thread and the PGlite thread (pglite-thread.ts). */
export type ThreadRequest =
  | { id: number; op: 'query'; sql: string; params?: readonly unknown[]; tx?: number }
  | { id: number; op: 'begin'; tx: number }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

/** Id 0 answers the opening of the database. */
export type ThreadReply =
  | { id: number; ok: true; rows?: unknown[] }
  | { id: number; ok: false; error: SerializedError };

/** An error's message and its primitive fields (`code` is the SQLSTATE the store maps). */
export type SerializedError = { message: string } & Record<string, string | number | boolean | undefined>;

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields: SerializedError = { message: error.message, name: error.name };
  for (const [name, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      fields[name] = value;
  }
  return fields;
}

/** An Error carrying the serialized fields again, so `error.code` reads as it did in the thread. */
export function deserializeError(serialized: SerializedError): Error {
  const { message, name, ...fields } = serialized;
  const error = Object.assign(new Error(message), fields);
  if (typeof name === 'string') error.name = name;
  return error;
}
