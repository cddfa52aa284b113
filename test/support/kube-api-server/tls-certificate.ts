// The key and self-signed certificate (127.0.0.1, localhost; valid until 2126) of the server's HTTPS
// listener, read once per process. A test fixture, trusted by nobody: clients skip verification.
import { readFile } from 'node:fs/promises';

const directory = new URL('../../fixtures/kube/tls/', import.meta.url);

let loaded: Promise<{ key: string; cert: string }> | undefined;

export function testServerCertificate(): Promise<{ key: string; cert: string }> {
  loaded ??= Promise.all([
    readFile(new URL('server.key', directory), 'utf8'),
    readFile(new URL('server.crt', directory), 'utf8'),
  ]).then(([key, cert]) => ({ key, cert }));
  return loaded;
}
