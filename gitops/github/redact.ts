// Scrubs credentials out of text before it reaches a log line, an error message or a comment.
// Known values (the configured token, the private key, minted installation tokens) are replaced
// exactly; anything shaped like a GitHub token, a JWT, a PEM key or an Authorization header value
// is replaced by pattern, so a credential we never saw (a new installation token) is caught too.

const replacement = '[redacted]';

const credentialPatterns: RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_-]{8,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{8,}/g,
  /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g,
  /\b((?:authorization|x-hub-signature-256)["']?\s*[:=]\s*["']?)(?:token|bearer|basic|sha256=)?\s*[^\s"',}]+/gi,
];

export class SecretRedactor {
  readonly #known = new Set<string>();

  /** Remembers a value to scrub verbatim (ignores short strings, which would mangle ordinary text). */
  add(value: string | undefined): void {
    if (value && value.length >= 8) {
      this.#known.add(value);
      // A PEM key may appear with escaped newlines inside JSON.
      if (value.includes('\n')) this.#known.add(value.replaceAll('\n', '\\n'));
    }
  }

  redact(text: string): string {
    let result = text;
    for (const value of this.#known) result = result.split(value).join(replacement);
    for (const pattern of credentialPatterns) {
      result = result.replace(pattern, (match, prefix?: string) =>
        typeof prefix === 'string' && match.startsWith(prefix) ? `${prefix}${replacement}` : replacement,
      );
    }
    return result;
  }
}

/** One-off scrubbing with an explicit list of known secrets. */
export function redactSecrets(text: string, secrets: Array<string | undefined> = []): string {
  const redactor = new SecretRedactor();
  for (const secret of secrets) redactor.add(secret);
  return redactor.redact(text);
}
