// A second floor for nft-loss, in a small process of its own and without any product code: the same
// hand-written loop as the benchmark's baseline (load the ruleset file with `nsenter … nft -f`, then
// `nft delete table`, namespace after namespace), spawned from a process that loads nothing else, as
// the agent's spawn helper is. A fork copies its parent's page tables, so the same commands spawned
// from the larger benchmark process cost more. Input on argv[2]: { netnsPaths, rulesetFile, table }.
// Prints the loop's own time in ms (its start-up excluded).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const { netnsPaths, rulesetFile, table } = JSON.parse(process.argv[2] ?? '{}') as {
  netnsPaths: string[];
  rulesetFile: string;
  table: string;
};
const started = performance.now();
for (const path of netnsPaths) {
  const enter = [`--net=${path}`, '--', '/usr/sbin/nft'];
  await run('/usr/bin/nsenter', [...enter, '-f', rulesetFile]);
  await run('/usr/bin/nsenter', [...enter, 'delete', 'table', 'inet', table]);
}
process.stdout.write(`${performance.now() - started}\n`);
