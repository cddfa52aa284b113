// `npm run kube-test-server -- --port N --kubeconfig FILE [--crds DIR]`: the API test server as a
// process on 127.0.0.1, strict as the controller tests run it (cache lag, namespace checks, pods that
// take a moment to become Ready), with our CRDs (charts/chaoscraft/crds unless --crds names another
// folder) and a kubeconfig for kubectl. Stops on SIGINT or SIGTERM.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startKubeApiServer, writeKubeconfigFile } from './index.ts';

const usage =
  'usage: npm run kube-test-server -- --port N --kubeconfig FILE [--crds DIR (default charts/chaoscraft/crds)]';
const ourCrds = fileURLToPath(new URL('../../../charts/chaoscraft/crds', import.meta.url));

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

let values: { port?: string; kubeconfig?: string; crds?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string' },
      kubeconfig: { type: 'string' },
      crds: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }));
} catch (error) {
  fail((error as Error).message);
}
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const port = Number(values.port);
if (!values.port || !Number.isInteger(port) || port < 1 || port > 65535)
  fail('--port needs a port number (1-65535)');
if (!values.kubeconfig) fail('--kubeconfig needs the path of the kubeconfig file to write');

const server = await startKubeApiServer({
  port,
  crdDirectory: values.crds ?? ourCrds,
  watchDelay: { baseMs: 1, jitterMs: 5 },
  podStartDelays: { startDelayMs: 5, readyDelayMs: 10 },
});
await writeKubeconfigFile({ server, path: values.kubeconfig, tls: true });
process.stdout.write(
  `kube API test server on ${server.url} and ${server.tlsUrl}; kubeconfig (admin, HTTPS) ${values.kubeconfig}\n`,
);
const stop = () => {
  server.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
