// Runs inside a worker thread with its own small heap (see parse-screen.ts): parses each blob the
// way the planner will, says which file it is on before each parse, and reports a parser failure
// by file. Running out of heap here ends this worker only.
import { parentPort, workerData } from 'node:worker_threads';
import { decodeManifestBytes } from '../../controller/manifests/read-source.ts';
import { validateText } from '../../controller/manifests/validate.ts';

export type ScreenMessage =
  | { kind: 'parsing'; path: string }
  | { kind: 'failed'; path: string }
  | { kind: 'done' };

const { blobs } = workerData as { blobs: { path: string; bytes: Uint8Array }[] };
const post = (message: ScreenMessage) => parentPort!.postMessage(message);
let failed = false;
for (const { path, bytes } of blobs) {
  post({ kind: 'parsing', path });
  const read = decodeManifestBytes({ file: path, bytes });
  if (!read.ok) continue;
  try {
    validateText({ file: path, text: read.text });
  } catch {
    post({ kind: 'failed', path });
    failed = true;
    break;
  }
}
if (!failed) post({ kind: 'done' });
