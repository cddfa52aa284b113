// Sends webhooks the way GitHub does: JSON body, X-GitHub-Event, X-GitHub-Delivery and an
// X-Hub-Signature-256 made with @octokit/webhooks-methods. Payloads come from @octokit/webhooks-examples.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { sign } from '@octokit/webhooks-methods';

const require = createRequire(import.meta.url);
const definitions = require('@octokit/webhooks-examples') as Array<{
  name: string;
  examples: Array<Record<string, unknown>>;
}>;

/** A deep copy of the first example of `event` (with `action`, when given). */
export function examplePayload(event: string, action?: string): Record<string, unknown> {
  const definition = definitions.find((entry) => entry.name === event);
  const example = definition?.examples.find(
    (candidate) => action === undefined || candidate.action === action,
  );
  if (!example) throw new Error(`no example for ${event} ${action ?? ''}`);
  return structuredClone(example);
}

export async function sendWebhook(options: {
  url: string;
  secret: string | undefined;
  event: string;
  payload?: unknown;
  body?: string;
  deliveryId?: string;
  signature?: string;
}): Promise<{ status: number; message: string }> {
  const body = options.body ?? JSON.stringify(options.payload);
  const signature = options.signature ?? (options.secret ? await sign(options.secret, body) : undefined);
  const response = await fetch(options.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': options.event,
      'x-github-delivery': options.deliveryId ?? randomUUID(),
      ...(signature ? { 'x-hub-signature-256': signature } : {}),
    },
    body,
  });
  const text = await response.text();
  let message = text;
  try {
    message = (JSON.parse(text) as { message: string }).message;
  } catch {}
  return { status: response.status, message };
}

/** The fields of a pull_request payload the tests rewrite. */
export interface PullRequestPayload {
  action: string;
  number: number;
  pull_request: {
    number: number;
    head: { sha: string; ref: string; repo: { full_name: string } | null };
    base: { sha: string; ref: string; repo: { full_name: string } };
  };
  repository: { full_name: string };
}

/** GitHub's example pull_request payload, typed for rewriting. */
export function examplePullRequest(action = 'opened'): PullRequestPayload {
  return examplePayload('pull_request', action) as unknown as PullRequestPayload;
}
