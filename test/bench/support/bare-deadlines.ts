// The floor for deadline-recovery, in a process of its own and without any product code: one timer
// per deadline, and at each the table deleted with `nsenter --net=<ns> -- nft delete table inet <t>`.
// Input: a JSON array of { netnsPath, table, deadlineMs } on argv[2]. Exits 0 once every delete
// succeeded; the caller watches the tables go (nft monitor) and times them.
import { spawn } from 'node:child_process';

const jobs = JSON.parse(process.argv[2] ?? '[]') as {
  netnsPath: string;
  table: string;
  deadlineMs: number;
}[];

function remove(job: (typeof jobs)[number]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      '/usr/bin/nsenter',
      [`--net=${job.netnsPath}`, '--', '/usr/sbin/nft', 'delete', 'table', 'inet', job.table],
      { stdio: 'ignore' },
    );
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`nft exited ${code}`))));
  });
}

const done = jobs.map(
  (job) =>
    new Promise<void>((resolve, reject) => {
      setTimeout(() => remove(job).then(resolve, reject), Math.max(0, job.deadlineMs - Date.now()));
    }),
);
await Promise.all(done);
