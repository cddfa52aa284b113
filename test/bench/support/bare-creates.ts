// The floor for schedule-jitter, as a process of its own and without any product code: at a given
// wall-clock instant (a cron time), POST one ChaosExperiment per schedule, each the run a schedule
// creates for that time (same name, labels, annotation, owner reference and spec), at most
// `concurrency` requests in flight on keep-alive connections, warmed up before the instant (a long
// running controller's code is compiled and optimised; a fresh process's is not). Input: the path of a JSON file
// { url, namespace, at, concurrency, template, schedules: [{ name, uid }] } on argv[2] and the
// bearer token (if any) in BENCH_TOKEN. Prints one JSON line: the statuses and the CPU (ms) this
// process spent from the instant to the last answer. The caller times the creations from the API
// server's request log, as it does the controller's.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';

interface Input {
  url: string;
  namespace: string;
  /** Wall-clock ms (Date.now) of the cron time: nothing is sent before it. */
  at: number;
  concurrency: number;
  template: Record<string, unknown>;
  schedules: { name: string; uid: string }[];
}

const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Input;
const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json' };
if (process.env.BENCH_TOKEN) headers.authorization = `Bearer ${process.env.BENCH_TOKEN}`;
// The same query the controller's writes carry, so the server keeps the same managed fields.
const path = `${input.url}/apis/chaoscraft.io/v1alpha1/namespaces/${input.namespace}/chaosexperiments?fieldManager=chaoscraft-controller`;
const dispatcher = new Agent({ connections: input.concurrency, pipelining: 1 });

function child(schedule: { name: string; uid: string }, at: Date) {
  return {
    apiVersion: 'chaoscraft.io/v1alpha1',
    kind: 'ChaosExperiment',
    metadata: {
      name: `${schedule.name}-${Math.floor(at.getTime() / 1000)}`,
      namespace: input.namespace,
      labels: { 'chaoscraft.io/schedule': schedule.name },
      annotations: { 'chaoscraft.io/scheduled-time': at.toISOString() },
      ownerReferences: [
        {
          apiVersion: 'chaoscraft.io/v1alpha1',
          kind: 'ChaosSchedule',
          name: schedule.name,
          uid: schedule.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: structuredClone(input.template),
  };
}

// Warm-up before the instant: reads of one schedule on the same connections, and the children built
// once, so the first creates pay neither a cold JIT nor a connection set-up. Started a few seconds
// before the instant, within the server's keep-alive timeout.
const one = `${input.url}/apis/chaoscraft.io/v1alpha1/namespaces/${input.namespace}/chaosschedules/${input.schedules[0]!.name}`;
for (let round = 0; round < Math.ceil(200 / input.concurrency); round++) {
  await Promise.all(
    Array.from({ length: input.concurrency }, async () => {
      const response = await request(one, { method: 'GET', headers, dispatcher });
      await response.body.text();
    }),
  );
}
for (const schedule of input.schedules) JSON.stringify(child(schedule, new Date(input.at)));

// setTimeout never fires early, so nothing is sent before the instant.
await new Promise((resolve) => setTimeout(resolve, Math.max(0, input.at - Date.now())));
const cpuBefore = process.cpuUsage();
const at = new Date(input.at);
const statuses: number[] = new Array(input.schedules.length);
let next = 0;
const worker = async () => {
  while (next < input.schedules.length) {
    const index = next++;
    const response = await request(path, {
      method: 'POST',
      headers,
      body: JSON.stringify(child(input.schedules[index]!, at)),
      dispatcher,
    });
    await response.body.text();
    statuses[index] = response.statusCode;
  }
};
await Promise.all(Array.from({ length: Math.min(input.concurrency, input.schedules.length) }, worker));
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(`${JSON.stringify({ statuses, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
await dispatcher.close();
