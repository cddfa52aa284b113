/**
 * Real effects of the network faults between two namespaces joined by a veth pair (root only): measured
 * loss, exactly-scoped partition, measured bandwidth, and netem detection. After each recovery the figures
 * return to baseline and no tagged rule remains.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Target } from '../../../controller/faults/fault.ts';
import { createFaultRegistry } from '../../../controller/faults/registry.ts';
import { listTagged } from '../../../controller/faults/tagged.ts';
import { hasProgram } from '../../../controller/host/command.ts';
import {
  createNetnsPair,
  type NetnsPair,
  netnsUnavailableReason,
  pingLoss,
  runNodeInNetns,
  spawnNodeInNetns,
  waitForLine,
} from '../../support/netns.ts';
import { newTag } from './conformance.ts';

const skipReason =
  netnsUnavailableReason() ??
  (['nft', 'tc', 'ip'].every((tool) => hasProgram(tool as 'nft')) && existsSync('/usr/bin/ping')
    ? undefined
    : 'nft, tc, ip or ping missing (scripts/setup.sh installs them as root)');

/** TCP servers on the given ports: count bytes per connection and answer with the measured rate. */
const SERVER = `
import net from 'node:net';
let listening = 0;
const ports = process.argv.slice(1).map(Number);
for (const port of ports) {
  net.createServer((socket) => {
    let first = 0, windowStart = 0, windowBytes = 0;
    socket.on('data', (chunk) => {
      const now = performance.now();
      if (!first) first = now;
      if (now - first < 250) return;
      if (!windowStart) windowStart = now; else windowBytes += chunk.length;
    });
    socket.on('end', () => {
      const seconds = windowStart ? (performance.now() - windowStart) / 1000 : 0;
      socket.end(JSON.stringify({ bitsPerSecond: seconds > 0 ? (windowBytes * 8) / seconds : 0 }));
    });
    socket.on('error', () => {});
  }).listen(port, () => { if (++listening === ports.length) console.log('ready'); });
}
`;

/** Sends as fast as it can for `ms`, then prints the server's measurement. */
const SENDER = `
import net from 'node:net';
const [host, port, ms] = process.argv.slice(1);
const socket = net.connect(Number(port), host);
const chunk = Buffer.alloc(16384, 7);
let done = false; let reply = '';
setTimeout(() => { done = true; socket.end(); }, Number(ms));
const pump = () => { while (!done && socket.write(chunk)) {} };
socket.on('connect', pump); socket.on('drain', pump);
socket.on('data', (data) => { reply += data; });
socket.on('close', () => console.log(reply));
`;

/** Tries a TCP connection to each host:port (bounded by a timeout) and prints which succeeded. */
const CONNECTOR = `
import net from 'node:net';
const results = {};
await Promise.all(process.argv.slice(1).map((endpoint) => new Promise((resolve) => {
  const [host, port] = endpoint.split(':');
  const socket = net.connect({ host, port: Number(port), timeout: 400 });
  const finish = (ok) => { results[endpoint] = ok; socket.destroy(); resolve(); };
  socket.on('connect', () => finish(true));
  socket.on('timeout', () => finish(false));
  socket.on('error', () => finish(false));
})));
console.log(JSON.stringify(results));
`;

describe('network faults: real effects', { skip: skipReason }, () => {
  let pair: NetnsPair;
  let server: ChildProcess;
  let target: Target;
  let thirdAddress: string;
  const faults = createFaultRegistry();

  before(async () => {
    pair = await createNetnsPair();
    thirdAddress = await pair.addAddressToB(3);
    server = spawnNodeInNetns({
      netnsPath: pair.b.path,
      script: SERVER,
      args: ['5201', '5202', '8080', '8081'],
    });
    assert.equal(await waitForLine(server, 5000), 'ready');
    target = { id: 'netns/a', netnsPath: pair.a.path };
  });
  after(async () => {
    server?.kill('SIGKILL');
    await pair?.destroy();
  });

  const connect = async (endpoints: string[]) =>
    JSON.parse(
      await runNodeInNetns({ netnsPath: pair.a.path, script: CONNECTOR, args: endpoints, timeoutMs: 5000 }),
    ) as Record<string, boolean>;
  const throughput = async (port: number) =>
    (
      JSON.parse(
        await runNodeInNetns({
          netnsPath: pair.a.path,
          script: SENDER,
          args: [pair.b.address, String(port), '1500'],
          timeoutMs: 10_000,
        }),
      ) as { bitsPerSecond: number }
    ).bitsPerSecond;
  const assertClean = async () => assert.deepEqual(await listTagged({ netnsPath: pair.a.path }), []);

  test('loss of 30% measures 20-40% over 1,000 probes, and 0% after recovery', async () => {
    // The loss sits on b's egress (its echo replies): a drop on the prober's own egress would make ping's
    // sendmsg fail with EPERM and slow it down, while dropped replies cost nothing but the count.
    const responder: Target = { id: 'netns/b', netnsPath: pair.b.path };
    const tag = newTag();
    await faults.networkLoss.inject({ target: responder, params: { percent: 30 }, tag });
    const during = await pingLoss({
      netnsPath: pair.a.path,
      address: pair.b.address,
      count: 1000,
      intervalSeconds: 0.001,
    });
    assert.equal(during.sent, 1000);
    assert.ok(during.loss >= 0.2 && during.loss <= 0.4, `measured loss ${during.loss}`);
    await faults.networkLoss.recover({ target: responder, tag });
    const afterwards = await pingLoss({
      netnsPath: pair.a.path,
      address: pair.b.address,
      count: 200,
      intervalSeconds: 0.001,
    });
    assert.equal(afterwards.loss, 0);
    assert.deepEqual(await listTagged({ netnsPath: pair.b.path }), []);
  });

  test('partition on a CIDR and port blocks exactly that and nothing else', async () => {
    const endpoints = [
      `${thirdAddress}:8080`,
      `${thirdAddress}:8081`,
      `${pair.b.address}:8080`,
      `${pair.b.address}:8081`,
    ];
    assert.ok(Object.values(await connect(endpoints)).every(Boolean), 'baseline: everything reachable');
    const tag = newTag();
    await faults.networkPartition.inject({
      target,
      params: { cidrs: [`${thirdAddress}/32`], ports: [8080], protocol: 'tcp' },
      tag,
    });
    assert.deepEqual(await connect(endpoints), {
      [`${thirdAddress}:8080`]: false,
      [`${thirdAddress}:8081`]: true,
      [`${pair.b.address}:8080`]: true,
      [`${pair.b.address}:8081`]: true,
    });
    const icmp = await pingLoss({
      netnsPath: pair.a.path,
      address: thirdAddress,
      count: 5,
      intervalSeconds: 0.01,
    });
    assert.equal(icmp.loss, 0, 'ICMP to the partitioned address is not blocked by a tcp/8080 partition');
    await faults.networkPartition.recover({ target, tag });
    assert.ok(Object.values(await connect(endpoints)).every(Boolean), 'after recovery: everything reachable');
    await assertClean();
  });

  test('partition on a CIDR alone cuts every protocol to it, in both directions, and only to it', async () => {
    const tag = newTag();
    await faults.networkPartition.inject({
      target,
      params: { cidrs: [`${thirdAddress}/32`], direction: 'both' },
      tag,
    });
    const toThird = await pingLoss({
      netnsPath: pair.a.path,
      address: thirdAddress,
      count: 5,
      intervalSeconds: 0.01,
    });
    const toSecond = await pingLoss({
      netnsPath: pair.a.path,
      address: pair.b.address,
      count: 5,
      intervalSeconds: 0.01,
    });
    // From b's side: packets sent from .3 are dropped on a's ingress, packets from .2 are not.
    const fromThird = await pingLoss({
      netnsPath: pair.b.path,
      address: pair.a.address,
      source: thirdAddress,
      count: 5,
      intervalSeconds: 0.01,
    });
    const fromSecond = await pingLoss({
      netnsPath: pair.b.path,
      address: pair.a.address,
      source: pair.b.address,
      count: 5,
      intervalSeconds: 0.01,
    });
    assert.equal(toThird.loss, 1);
    assert.equal(toSecond.loss, 0);
    assert.equal(fromThird.loss, 1);
    assert.equal(fromSecond.loss, 0);
    assert.deepEqual(await connect([`${thirdAddress}:8081`, `${pair.b.address}:8081`]), {
      [`${thirdAddress}:8081`]: false,
      [`${pair.b.address}:8081`]: true,
    });
    await faults.networkPartition.recover({ target, tag });
    assert.equal(
      (await pingLoss({ netnsPath: pair.a.path, address: thirdAddress, count: 5, intervalSeconds: 0.01 }))
        .loss,
      0,
    );
    await assertClean();
  });

  test('bandwidth of 16mbit measures within 20%, and the cap goes away on recovery', async () => {
    const limit = 16e6;
    const tag = newTag();
    await faults.networkBandwidth.inject({ target, params: { rate: '16mbit' }, tag });
    const during = await throughput(5201);
    assert.ok(Math.abs(during - limit) / limit <= 0.2, `measured ${(during / 1e6).toFixed(2)} Mbit/s`);
    await faults.networkBandwidth.recover({ target, tag });
    const afterwards = await throughput(5201);
    assert.ok(afterwards > limit * 5, `after recovery ${(afterwards / 1e6).toFixed(1)} Mbit/s`);
    await assertClean();
  });

  test('scoped bandwidth caps only the matching port', async () => {
    const limit = 16e6;
    const tag = newTag();
    await faults.networkBandwidth.inject({
      target,
      params: { rate: '16mbit', cidrs: [`${pair.b.address}/32`], ports: [5201] },
      tag,
    });
    const capped = await throughput(5201);
    const free = await throughput(5202);
    assert.ok(
      Math.abs(capped - limit) / limit <= 0.2,
      `capped port measured ${(capped / 1e6).toFixed(2)} Mbit/s`,
    );
    assert.ok(free > limit * 5, `other port measured ${(free / 1e6).toFixed(1)} Mbit/s`);
    await faults.networkBandwidth.recover({ target, tag });
    await assertClean();
  });

  test('latency on a kernel without sch_netem fails with NetemUnavailable and leaves nothing', async (t) => {
    if (kernelHasNetem() !== false)
      return t.skip('this kernel has (or may have) sch_netem; the real-effect test covers it');
    const tag = newTag();
    await assert.rejects(
      faults.networkLatency.inject({ target, params: { latency: '100ms' }, tag }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'NetemUnavailable');
        assert.match(error.message, /lacks sch_netem/);
        assert.match(error.message, /module sch_netem/);
        return true;
      },
    );
    await assertClean();
  });

  test('latency adds the requested delay where netem exists', async (t) => {
    if (kernelHasNetem() !== true)
      return t.skip(
        'this kernel lacks sch_netem (CONFIG_NET_SCH_NETEM not set), so latency cannot be injected here',
      );
    const tag = newTag();
    await faults.networkLatency.inject({ target, params: { latency: '50ms' }, tag });
    const started = performance.now();
    const probe = await pingLoss({
      netnsPath: pair.a.path,
      address: pair.b.address,
      count: 5,
      intervalSeconds: 0.2,
    });
    assert.equal(probe.loss, 0);
    assert.ok(performance.now() - started >= 5 * 0.2 * 1000, 'five replies each delayed 50 ms');
    await faults.networkLatency.recover({ target, tag });
    await assertClean();
  });
});

/** From the kernel config: true (built in or module), false (not set), undefined (config not readable). */
function kernelHasNetem(): boolean | undefined {
  if (existsSync('/sys/module/sch_netem')) return true;
  try {
    const config = gunzipSync(readFileSync('/proc/config.gz')).toString();
    if (/^CONFIG_NET_SCH_NETEM=(y|m)$/m.test(config)) return true;
    if (/^# CONFIG_NET_SCH_NETEM is not set$/m.test(config)) return false;
  } catch {
    // No /proc/config.gz: cannot tell from here.
  }
  return undefined;
}
