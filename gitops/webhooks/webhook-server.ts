// The webhook receiver: a plain node:http server. Order matters: size limit while reading, signature
// over the raw bytes, duplicate check, and only then JSON.parse — an unsigned request never reaches
// the parser. It answers 202 at once and hands the event on; GitHub gives a webhook 10 s.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { SecretValue } from '../github/secret.ts';
import { DeliveryCache } from './delivery-cache.ts';
import { type GitOpsEvent, interpretWebhook } from './events.ts';
import { verifyWebhookSignature } from './signature.ts';

export interface WebhookDelivery {
  id: string;
  event: string;
}

export interface WebhookServerOptions {
  secret: SecretValue;
  /** Receives each verified, new, meaningful event. Errors are logged, never sent to GitHub. */
  onEvent: (event: GitOpsEvent, delivery: WebhookDelivery) => Promise<void> | void;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  path?: string;
  maxBodyBytes?: number;
  deliveryCacheSize?: number;
  logger?: Logger;
}

export interface WebhookServerStats {
  accepted: number;
  rejectedSignature: number;
  tooLarge: number;
  duplicates: number;
  ignored: number;
  handlerErrors: number;
  /** Senders that disconnected before their body was complete: their business, not an error here. */
  clientAborts: number;
}

export interface WebhookServer {
  url: string;
  port: number;
  stats: WebhookServerStats;
  /** Resolves when every event handed on so far has been handled. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {
  readonly code = 'BodyTooLarge';
}

class ClientAborted extends Error {
  readonly code = 'ClientAborted';
}

function readLimited(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.pause();
        reject(new BodyTooLarge('body too large'));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    // A sender gone mid-body: the stream errors ('aborted') or just closes without an end; either
    // way nothing will come, so stop waiting (a settled promise ignores whichever comes second).
    request.on('error', () => reject(new ClientAborted('sender disconnected')));
    request.on('close', () => {
      if (!request.complete) reject(new ClientAborted('sender disconnected'));
    });
  });
}

function reply(response: ServerResponse, status: number, message: string): void {
  if (response.headersSent) return;
  response.writeHead(status, {
    'content-type': 'application/json',
    connection: status === 413 ? 'close' : 'keep-alive',
  });
  response.end(JSON.stringify({ message }));
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const path = options.path ?? '/webhook';
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const deliveries = new DeliveryCache({ capacity: options.deliveryCacheSize ?? 10_000 });
  const stats: WebhookServerStats = {
    accepted: 0,
    rejectedSignature: 0,
    tooLarge: 0,
    duplicates: 0,
    ignored: 0,
    handlerErrors: 0,
    clientAborts: 0,
  };
  const inFlight = new Set<Promise<void>>();
  const log = options.logger;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'GET' && url.pathname === '/healthz') return reply(response, 200, 'ok');
    if (url.pathname !== path) return reply(response, 404, 'not found');
    if (request.method !== 'POST') return reply(response, 405, 'only POST');
    const declared = Number(header(request, 'content-length') ?? '0');
    let raw: Buffer;
    try {
      if (declared > maxBodyBytes) throw new BodyTooLarge('declared body too large');
      raw = await readLimited(request, maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        stats.tooLarge += 1;
        return reply(response, 413, `body larger than ${maxBodyBytes} bytes`);
      }
      if (error instanceof ClientAborted) {
        stats.clientAborts += 1;
        log?.debug(
          { remote: request.socket.remoteAddress },
          'webhook sender disconnected before the body was complete',
        );
        return;
      }
      throw error;
    }
    const body = raw.toString('utf8');
    const valid = await verifyWebhookSignature({
      secret: options.secret,
      body,
      signature: header(request, 'x-hub-signature-256'),
    });
    if (!valid) {
      stats.rejectedSignature += 1;
      log?.warn({ remote: request.socket.remoteAddress }, 'webhook with a missing or wrong signature');
      return reply(response, 401, 'signature does not match');
    }
    const delivery: WebhookDelivery = {
      id: header(request, 'x-github-delivery') ?? '',
      event: header(request, 'x-github-event') ?? '',
    };
    if (delivery.id && deliveries.checkAndRecord(delivery.id)) {
      stats.duplicates += 1;
      return reply(response, 200, 'duplicate delivery ignored');
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return reply(response, 400, 'body is not JSON');
    }
    const event = interpretWebhook({ event: delivery.event, payload });
    if (event.kind === 'ignore' || event.kind === 'ping') {
      stats.ignored += 1;
      log?.debug(
        { delivery: delivery.id, event: delivery.event, reason: 'reason' in event ? event.reason : 'ping' },
        'webhook ignored',
      );
      return reply(response, event.kind === 'ping' ? 200 : 202, event.kind === 'ping' ? 'pong' : 'ignored');
    }
    stats.accepted += 1;
    reply(response, 202, 'accepted');
    const work = Promise.resolve()
      .then(() => options.onEvent(event, delivery))
      .catch((error: unknown) => {
        stats.handlerErrors += 1;
        log?.error(
          { delivery: delivery.id, event: delivery.event, error: (error as Error).message },
          'webhook handling failed',
        );
      })
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log?.error({ error: (error as Error).message }, 'webhook request failed');
      reply(response, 500, 'internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}${path}`,
    port: address.port,
    stats,
    idle: async () => {
      // Bounded: handlers started while waiting are awaited in the next round.
      for (let round = 0; round < 100 && inFlight.size > 0; round++) await Promise.allSettled([...inFlight]);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
