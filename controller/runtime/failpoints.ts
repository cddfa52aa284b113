// Crash points for restart-safety tests, in the spirit of etcd's gofail: with
// CHAOSCRAFT_FAILPOINTS="experiment.after-effects=2" the process kills itself with SIGKILL the
// second time it passes that point. Without the variable every failpoint is a no-op.

export type Failpoint = (name: string) => void;

export const noFailpoints: Failpoint = () => {};

export function failpointsFrom(
  spec: string | undefined,
  kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
): Failpoint {
  if (!spec) return noFailpoints;
  const targets = new Map<string, number>();
  for (const entry of spec.split(',')) {
    const [name, count] = entry.split('=');
    const n = Number(count ?? '1');
    if (!name || !Number.isInteger(n) || n < 1)
      throw new Error(`CHAOSCRAFT_FAILPOINTS: "${entry}" is not name=count`);
    targets.set(name.trim(), n);
  }
  const seen = new Map<string, number>();
  return (name) => {
    const target = targets.get(name);
    if (target === undefined) return;
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    if (count === target) kill();
  };
}
