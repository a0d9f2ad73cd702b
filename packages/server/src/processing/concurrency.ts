/**
 * Runs `background` and `foreground` at the same time and resolves with the foreground's result
 * once both are done. When either fails, the other is stopped through its signal and awaited, and
 * the first error is passed on; aborting `signal` stops both.
 *
 * @example await alongside(signal, (s) => encode(s), (s) => publishPreview(s));
 */
export async function alongside<T>(
  signal: AbortSignal,
  background: (signal: AbortSignal) => Promise<void>,
  foreground: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const both = new AbortController();
  const relay = () => {
    both.abort(signal.reason);
  };
  if (signal.aborted) relay();
  else signal.addEventListener('abort', relay, { once: true });
  let firstError: { error: unknown } | undefined;
  const stopOnFailure = (error: unknown) => {
    firstError ??= { error };
    if (!both.signal.aborted) both.abort(error);
  };
  try {
    const [, result] = await Promise.allSettled([
      background(both.signal).catch(stopOnFailure),
      foreground(both.signal).catch((error: unknown) => {
        stopOnFailure(error);
        return undefined;
      }),
    ]);
    if (firstError) throw firstError.error;
    if (result.status === 'rejected') throw result.reason;
    return result.value as T;
  } finally {
    signal.removeEventListener('abort', relay);
  }
}

/** Calls `fn` on every item, at most `limit` at a time; rejects with the first failure, after the rest settle. */
export async function eachConcurrently<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const lane = async () => {
    while (next < items.length && failures.length === 0) {
      const item = items[next++] as T;
      await fn(item).catch((error: unknown) => {
        failures.push(error);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failures.length > 0) throw failures[0];
}
