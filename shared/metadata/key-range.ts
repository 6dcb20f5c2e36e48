/**
 * SQL conditions selecting keys that start with `prefix`, appended to `params` (positional).
 *
 * `key LIKE 'prefix%'` with `%`, `_` and `\` escaped is the exact test; the explicit range
 * `key >= prefix AND key < successor(prefix)` is what lets the planner walk the `COLLATE "C"`
 * btree even for a generic plan (a LIKE pattern only becomes a range when it is a known constant).
 * Returns '' when the prefix is empty.
 */
export function keyRangeConditions(prefix: string, params: unknown[]): string {
  if (prefix === '') return '';
  const next = () => `$${params.length}`;
  params.push(prefix);
  let sql = `AND key >= ${next()}`;
  params.push(`${escapeLike(prefix)}%`);
  sql += ` AND key LIKE ${next()} ESCAPE '\\'`;
  const upper = prefixUpperBound(prefix);
  if (upper !== undefined) {
    params.push(upper);
    sql += ` AND key < ${next()}`;
  }
  return sql;
}

/** Escapes LIKE's wildcards and its escape character, so a prefix matches literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

/**
 * The smallest string greater than every string starting with `prefix`, in code point order
 * (which is UTF-8 byte order): the last code point plus one, skipping surrogates; a trailing
 * U+10FFFF is dropped and the one before it incremented. Undefined when there is no such string.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix, (char) => char.codePointAt(0) as number);
  while (points.length > 0) {
    let last = (points.pop() as number) + 1;
    if (last === 0xd800) last = 0xe000;
    if (last <= 0x10ffff) {
      points.push(last);
      return String.fromCodePoint(...points);
    }
  }
  return undefined;
}
