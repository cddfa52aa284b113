/**
 * Test harness: throwaway network namespaces joined by veth pairs, for real-effect tests of network faults.
 * Names are `ccf` + a short random id; addresses are in 10.213.0.0/16 and exist only inside the namespaces
 * made here. Everything created is removed by `destroy()`, and anything a crashed test left behind is
 * removed when the process exits.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

const IP = existsSync('/usr/sbin/ip') ? '/usr/sbin/ip' : '/sbin/ip';
const NSENTER = '/usr/bin/nsenter';
const created = new Set<string>();

process.on('exit', () => {
  for (const name of created) spawnSync(IP, ['netns', 'del', name], { stdio: 'ignore', timeout: 5000 });
});

/** Why namespace tests cannot run here, or undefined when they can. */
export function netnsUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces (run the tests as root)';
  if (!existsSync(IP)) return 'iproute2 (`ip`) is not installed; run scripts/setup.sh as root';
  if (!existsSync(NSENTER)) return 'util-linux nsenter is not installed';
  return undefined;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs argv (no shell) and resolves with its exit code and output; never rejects on a non-zero exit. */
export function exec(options: {
  argv: string[];
  timeoutMs?: number;
  netnsPath?: string;
}): Promise<ExecResult> {
  const [file, ...args] = options.netnsPath
    ? [NSENTER, `--net=${options.netnsPath}`, '--', ...options.argv]
    : options.argv;
  return new Promise((resolve) => {
    execFile(
      file!,
      args,
      { timeout: options.timeoutMs ?? 10_000, maxBuffer: 8 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

async function ip(args: string[]): Promise<void> {
  const result = await exec({ argv: [IP, ...args] });
  if (result.code !== 0) throw new Error(`ip ${args.join(' ')} failed: ${result.stderr.trim()}`);
}

export interface Netns {
  name: string;
  path: string;
  destroy(): Promise<void>;
}

export function randomNetnsName(suffix = ''): string {
  return `ccf${randomBytes(4).toString('hex')}${suffix}`;
}

/** One namespace with only `lo` (up). */
export async function createNetns(options: { name?: string } = {}): Promise<Netns> {
  const name = options.name ?? randomNetnsName();
  if (!/^ccf[a-z0-9]{1,20}$/.test(name)) throw new Error('test namespaces must be named ccf<id>');
  created.add(name);
  await ip(['netns', 'add', name]);
  await ip(['-n', name, 'link', 'set', 'lo', 'up']);
  return { name, path: `/run/netns/${name}`, destroy: () => deleteNetns(name) };
}

export async function deleteNetns(name: string): Promise<void> {
  if (!created.has(name)) return;
  await exec({ argv: [IP, 'netns', 'del', name] });
  created.delete(name);
}

export interface NetnsEnd extends Netns {
  /** Always `eth0`: each end lives in its own namespace, so the name can repeat. */
  ifname: string;
  /** The end's primary IPv4 address, e.g. `10.213.7.1`. */
  address: string;
}

export interface NetnsPair {
  a: NetnsEnd;
  b: NetnsEnd;
  /** The /24 both ends share, e.g. `10.213.7`. */
  subnetPrefix: string;
  /** Adds `10.213.x.<host>/24` to end b; returns the address. */
  addAddressToB(host: number): Promise<string>;
  destroy(): Promise<void>;
}

/** Two namespaces `a` and `b` joined by a veth pair (`eth0` in each), addressed 10.213.x.1 and .2. */
export async function createNetnsPair(): Promise<NetnsPair> {
  const base = randomNetnsName();
  const a = await createNetns({ name: `${base}a` });
  const b = await createNetns({ name: `${base}b` }).catch(async (error: unknown) => {
    await a.destroy();
    throw error;
  });
  const destroy = async () => {
    await a.destroy();
    await b.destroy();
  };
  try {
    const subnetPrefix = `10.213.${randomBytes(1)[0]}`;
    await ip(['-n', a.name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', b.name]);
    for (const [end, host] of [
      [a, 1],
      [b, 2],
    ] as const) {
      await ip(['-n', end.name, 'addr', 'add', `${subnetPrefix}.${host}/24`, 'dev', 'eth0']);
      await ip(['-n', end.name, 'link', 'set', 'eth0', 'up']);
    }
    return {
      a: { ...a, ifname: 'eth0', address: `${subnetPrefix}.1` },
      b: { ...b, ifname: 'eth0', address: `${subnetPrefix}.2` },
      subnetPrefix,
      async addAddressToB(host: number) {
        if (!Number.isInteger(host) || host < 3 || host > 254) throw new RangeError('host must be 3..254');
        await ip(['-n', b.name, 'addr', 'add', `${subnetPrefix}.${host}/24`, 'dev', 'eth0']);
        return `${subnetPrefix}.${host}`;
      },
      destroy,
    };
  } catch (error) {
    await destroy();
    throw error;
  }
}

/**
 * Starts a Node.js script inside a namespace (servers and probes need sockets there, and a Node process
 * cannot switch namespaces itself). The script is a constant in the test; values go in as argv.
 */
export function spawnNodeInNetns(options: {
  netnsPath: string;
  script: string;
  args: string[];
}): ChildProcess {
  return spawn(
    NSENTER,
    [
      `--net=${options.netnsPath}`,
      '--',
      process.execPath,
      '--input-type=module',
      '-e',
      options.script,
      '--',
      ...options.args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

/** Runs a Node.js script in a namespace to completion and returns its stdout (it must exit by itself). */
export async function runNodeInNetns(options: {
  netnsPath: string;
  script: string;
  args: string[];
  timeoutMs: number;
}): Promise<string> {
  const child = spawnNodeInNetns(options);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  if (code !== 0)
    throw new Error(`script in ${options.netnsPath} exited ${code}: ${stderr.trim().slice(0, 500)}`);
  return stdout;
}

/** Waits for a spawned server to print its first line (e.g. "ready"), within a bound. */
export function waitForLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('server did not report ready in time')), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const newline = buffer.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(buffer.slice(0, newline));
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before it was ready`));
    });
  });
}

/** Runs `ping` from a namespace and returns the loss it measured (0..1) and the replies received. */
export async function pingLoss(options: {
  netnsPath: string;
  address: string;
  count: number;
  intervalSeconds: number;
  /** Source address to send from (`ping -I`), to exercise rules that match on it. */
  source?: string;
}): Promise<{ sent: number; received: number; loss: number }> {
  const sourceArgs = options.source ? ['-I', options.source] : [];
  const result = await exec({
    netnsPath: options.netnsPath,
    argv: [
      '/usr/bin/ping',
      ...sourceArgs,
      '-q',
      '-n',
      '-c',
      String(options.count),
      '-i',
      String(options.intervalSeconds),
      '-W',
      '1',
      options.address,
    ],
    timeoutMs: Math.ceil(options.count * options.intervalSeconds * 1000) + 15_000,
  });
  const match = /([0-9]+) packets transmitted, ([0-9]+) received/.exec(result.stdout);
  if (!match)
    throw new Error(`ping gave no summary: ${result.stdout.slice(-300)} ${result.stderr.slice(-300)}`);
  const sent = Number(match[1]);
  const received = Number(match[2]);
  return { sent, received, loss: sent === 0 ? 0 : (sent - received) / sent };
}
