// GitHub's webhook signature: HMAC-SHA256 of the raw body under the shared secret, sent as
// `X-Hub-Signature-256: sha256=<hex>`. Checked with @octokit/webhooks-methods (constant-time compare)
// on the raw bytes, before anything parses them.
import { verify } from '@octokit/webhooks-methods';
import type { SecretValue } from '../github/secret.ts';

const signatureShape = /^sha256=[0-9a-f]{64}$/;

export async function verifyWebhookSignature(options: {
  secret: SecretValue;
  body: string;
  signature: string | undefined;
}): Promise<boolean> {
  const { secret, body, signature } = options;
  // verify() throws on empty inputs; a missing or malformed header is simply "not signed by GitHub".
  if (!signature || !signatureShape.test(signature) || body.length === 0) return false;
  return verify(secret.reveal(), body, signature);
}
