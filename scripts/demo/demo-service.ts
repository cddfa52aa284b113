// The demo's service: a small HTTP server with a health check and Prometheus metrics.
//   node scripts/demo/demo-service.ts --port 18080 [--host 127.0.0.1]
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('--port must be a TCP port');
if (!/^[0-9.]{7,15}$/.test(values.host)) throw new Error('--host must be an IPv4 address');

const started = Date.now();
let requests = 0;
const server = createServer((request, response) => {
  requests++;
  if (request.url === '/health') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  } else if (request.url === '/metrics') {
    response
      .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
      .end(
        [
          '# HELP demo_requests_total Requests served since this process started.',
          '# TYPE demo_requests_total counter',
          `demo_requests_total ${requests}`,
          '# HELP demo_uptime_seconds Seconds since this process started.',
          '# TYPE demo_uptime_seconds gauge',
          `demo_uptime_seconds ${(Date.now() - started) / 1000}`,
          '',
        ].join('\n'),
      );
  } else response.writeHead(404).end();
});
server.listen(port, values.host);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
