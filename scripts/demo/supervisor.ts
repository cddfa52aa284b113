// The demo's supervisor: keeps one demo service running, restarting it 200 ms after it exits, as
// systemd's Restart=always would. With --cgroup it places each service process in that cgroup v2
// directory; with --netns it starts the service inside that network namespace (both need root).
//   node scripts/demo/supervisor.ts --port P [--host A] [--cgroup /sys/fs/cgroup/X] [--netns NAME]
// SIGTERM stops the service and then the supervisor.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    cgroup: { type: 'string' },
    netns: { type: 'string' },
  },
});
if (values.cgroup && !/^\/sys\/fs\/cgroup(\/unified)?\/ccsa[a-z0-9]{1,20}$/.test(values.cgroup))
  throw new Error('--cgroup must be a ccsa<id> folder of the cgroup v2 mount');
if (values.netns && !/^ccsa[a-z0-9]{1,20}$/.test(values.netns)) throw new Error('--netns must be ccsa<id>');

const service = join(import.meta.dirname, 'demo-service.ts');
const serviceArgv = [process.execPath, service, '--port', String(values.port), '--host', values.host];
const argv = values.netns ? ['/usr/sbin/ip', 'netns', 'exec', values.netns, ...serviceArgv] : serviceArgv;
let child: ChildProcess | undefined;
let stopping = false;

function start(): void {
  child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
  if (values.cgroup && child.pid) {
    try {
      writeFileSync(join(values.cgroup, 'cgroup.procs'), String(child.pid));
    } catch (error) {
      process.stderr.write(
        `supervisor: cannot place the service in ${values.cgroup}: ${(error as Error).message}\n`,
      );
    }
  }
  child.on('exit', () => {
    if (!stopping) setTimeout(start, 200);
  });
}

process.on('SIGTERM', () => {
  stopping = true;
  if (!child || child.exitCode !== null || child.signalCode !== null) process.exit(0);
  child.once('exit', () => process.exit(0));
  child.kill('SIGTERM');
  setTimeout(() => child?.kill('SIGKILL'), 2000).unref();
});
start();
