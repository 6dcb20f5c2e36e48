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

/**
 * What crosses the thread boundary of a thrown value. PGlite and Emscripten also throw values that
 * are not Errors (plain objects, an exit status): their primitive fields are kept and, without a
 * message of their own, the message names those fields, so the main thread never reads only
 * "[object Object]" or an empty message.
 */
export function serializeError(error: unknown): SerializedError {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const fields: Record<string, string | number | boolean | undefined> = {};
  if (error instanceof Error) fields.name = error.name;
  for (const [name, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      fields[name] = value;
  }
  const own = (error as { message?: unknown }).message;
  const { message: _ignored, ...described } = fields;
  const message =
    typeof own === 'string' && own !== ''
      ? own
      : Object.keys(described).length > 0
        ? JSON.stringify(described)
        : Object.prototype.toString.call(error);
  return { ...fields, message };
}

/** An Error carrying the serialized fields again, so `error.code` reads as it did in the thread. */
export function deserializeError(serialized: SerializedError): Error {
  const { message, name, ...fields } = serialized;
  const error = Object.assign(new Error(message), fields);
  if (typeof name === 'string') error.name = name;
  return error;
}
