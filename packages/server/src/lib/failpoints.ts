/**
 * Named points where a test may kill this process (`KINO_FAILPOINTS=name,name`), to prove that
 * what was committed before the point is recovered after a restart. Unset, a failpoint does
 * nothing; the variable is read once, at start.
 */
const armed = new Set(
  (process.env.KINO_FAILPOINTS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean),
);

export function failpoint(name: string): void {
  if (armed.size === 0 || !armed.has(name)) return;
  process.kill(process.pid, 'SIGKILL');
}
