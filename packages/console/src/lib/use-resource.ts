import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client.ts';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  /** Loads again (keeps showing the current data meanwhile). */
  reload: () => void;
  setData: (data: T) => void;
}

const asApiError = (err: unknown) =>
  err instanceof ApiError
    ? err
    : new ApiError(0, 'unexpected', err instanceof Error ? err.message : String(err));

/**
 * Loads something from the API when `key` changes; `pollMs(data)` asks again after that many ms
 * (null: stop), for things that change by themselves (processing media, jobs, health).
 */
export function useResource<T>(
  load: () => Promise<T>,
  key: string,
  pollMs?: (data: T | undefined) => number | null,
): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  const poll = useRef(pollMs);
  poll.current = pollMs;

  useEffect(() => {
    setData(undefined);
  }, [key]);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setLoading(true);
    loader.current().then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(null);
        setLoading(false);
        const next = poll.current?.(value) ?? null;
        if (next !== null)
          timer = setTimeout(() => {
            setRound((r) => r + 1);
          }, next);
      },
      (err: unknown) => {
        if (!live) return;
        setError(asApiError(err));
        setLoading(false);
      },
    );
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, round]);

  const reload = useCallback(() => {
    setRound((r) => r + 1);
  }, []);
  return { data, error, loading, reload, setData };
}

/**
 * Runs an action (a POST, a DELETE) and keeps its error to show; `busy` while it runs.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(async <T>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (err) {
      setError(asApiError(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return {
    busy,
    error,
    run,
    clearError: () => {
      setError(null);
    },
  };
}
