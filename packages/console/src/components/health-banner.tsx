import { get } from '../api/client.ts';
import type { SystemHealth } from '../api/types.ts';
import { useResource } from '../lib/use-resource.ts';

/**
 * The operator's alarm, on every operator page: with no worker running, uploads stay
 * "processing" forever, the most common reason an install looks broken.
 */
export function HealthBanner() {
  const health = useResource(
    () => get<SystemHealth>('/v1/system/health'),
    'health-banner',
    () => 15_000,
  );
  const noWorkers = health.data?.warnings.find((w) => w.code === 'no_workers');
  if (!noWorkers) return null;
  return (
    <div class="banner banner-alarm" role="alert">
      {/* The server's message says what to do (start a process with KINO_ROLES including worker). */}
      <strong>No worker is running.</strong> {noWorkers.message} <a href="/operator/health">System health</a>
    </div>
  );
}
