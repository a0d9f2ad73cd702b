/**
 * A failure that another attempt cannot fix (bad media, a payload that no longer makes sense):
 * the job goes straight to `dead`, with this message as its error.
 */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/** Thrown into a handler's signal when the job was cancelled or its lease lost. */
export class JobAbortedError extends Error {
  override name = 'JobAbortedError';
}

export function describeError(err: unknown): string {
  const text =
    err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return text.slice(0, 4000);
}
