/**
 * Runs `work` over `items` with at most `limit` in flight, in order of start; resolves with the
 * results in input order. A failure rejects only after every started item settled, so a pass
 * never leaves work running behind it.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let firstError: { error: unknown } | undefined;
  async function lane(): Promise<void> {
    while (next < items.length && !firstError) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (error) {
        firstError ??= { error };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  if (firstError) throw firstError.error;
  return results;
}

/** `items` cut into consecutive batches of at most `size` (for batched metadata look-ups). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}
