/** The JSON client: credentials on every request, one pool of kept-alive connections for all of them. */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { createKubeHttp } from '../../../controller/kube/kube-http.ts';

async function countingServer() {
  let connections = 0;
  const seen: IncomingMessage['headers'][] = [];
  const server = createServer((request, response) => {
    seen.push(request.headers);
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ kind: 'Status', path: request.url }));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function kubeConfig(server: string, user: Record<string, unknown>): KubeConfig {
  const config = new KubeConfig();
  config.loadFromString(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // Any TLS setting (here skip-verify) is what made client-node build a connection per request.
      clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
  return config;
}

describe('kube http', () => {
  test('200 requests, 20 at a time, share a handful of kept-alive connections', async () => {
    const server = await countingServer();
    try {
      const http = createKubeHttp(kubeConfig(server.url, { token: 'secret-token' }));
      for (let batch = 0; batch < 10; batch++) {
        await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            http.request({ method: 'GET', path: `/api/v1/x${index}` }),
          ),
        );
      }
      assert.equal(server.seen.length, 200);
      // One per request before (200); a pool opens at most a few per request in flight.
      assert.ok(server.connections() <= 60, `${server.connections()} connections for 200 requests`);
      assert.ok(
        server.seen.every((headers) => headers.authorization === 'Bearer secret-token'),
        'every request carries the credentials',
      );
    } finally {
      await server.close();
    }
  });

  test('basic credentials become an Authorization header', async () => {
    const server = await countingServer();
    try {
      const http = createKubeHttp(kubeConfig(server.url, { username: 'ann', password: 'pw' }));
      await http.request({ method: 'GET', path: '/api' });
      assert.equal(server.seen[0]?.authorization, `Basic ${Buffer.from('ann:pw').toString('base64')}`);
    } finally {
      await server.close();
    }
  });
});
