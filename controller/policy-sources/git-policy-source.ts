// ChaosPolicies read from a Git branch, so that `suspend: true` committed to Git stops every
// experiment within one poll, without waiting for Argo CD to sync. Polls the branch's head
// (one ref advertisement); only a new commit is fetched, alone (depth 1), and read.
//
// What is in force (docs/SAFETY.md, "Kill switch from Git"):
// - a valid commit replaces the Git set;
// - a refused commit (any broken policy file) changes nothing, except that its valid policies
//   with `suspend: true` are added: a broken commit can only tighten, never loosen;
// - when Git cannot be reached, the last set read stays in force (none if it was never read).
import * as nodeFs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Gauge } from 'prom-client';
import { RepositoryError, scrubSecrets } from '../../gitops/repository/errors.ts';
import { openRepository } from '../../gitops/repository/open-repository.ts';
import { checkRemoteUrl, fetchBranchShallow } from '../../gitops/repository/remote.ts';
import type { ChaosPolicySpec } from '../api/types.generated.ts';
import { type Clock, sleep, systemClock, type TimerHandle } from '../runtime/clock.ts';
import { describeError, type RuntimeLogger, silentLogger } from '../runtime/logger.ts';
import type { PolicySource } from './policy-source.ts';
import { type GitPolicy, type PolicyRead, readGitPolicies } from './read-git-policies.ts';

export interface PolicySourceMetrics {
  policySourceUp: Gauge<'source'>;
  policySourceLastSuccess: Gauge<'source'>;
  policySourceRefused: Gauge<'source'>;
  policySourcePolicies: Gauge<'source'>;
}

export interface GitPolicySourceOptions {
  /** https:// (or http:// to this machine) URL of the repository; credentials in it are refused. */
  url: string;
  branch?: string;
  /** Folder inside the repository holding the policies; "" (default) for the whole repository. */
  path?: string;
  /** Read before every poll, so a rotated token (a re-mounted Secret) is picked up. */
  token?: () => Promise<string | undefined>;
  /** Start to start. Default 10 s. */
  pollIntervalMs?: number;
  /** One poll (advertisement, fetch, read) is abandoned after this. Default: the interval, 5 s to 60 s. */
  fetchTimeoutMs?: number;
  clock?: Clock;
  logger?: RuntimeLogger;
  metrics?: PolicySourceMetrics;
  /** Where the bare shallow clone lives (a fresh folder inside it, removed on stop). Default: the OS temp folder. */
  workDir?: string;
  fs?: typeof nodeFs;
}

/** Prefix of the names of Git policies in verdicts and messages: `git:<metadata.name>`. */
export const gitPolicyPrefix = 'git:';

/** After this many fetches the clone is started afresh, so packs do not pile up over weeks. */
const fetchesPerClone = 32;

type Attempt =
  | { kind: 'unchanged'; head: string }
  | { kind: 'read'; head: string; read: PolicyRead }
  | { kind: 'failed'; reason: string };

const short = (sha: string) => sha.slice(0, 12);
const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** An outage is logged when it starts and again every this many failed polls. */
const logEveryFailures = 30;
/** Bound on waiting for an abandoned attempt at shutdown. */
const releaseWaitMs = 5_000;

export class GitPolicySource implements PolicySource {
  readonly kind = 'git';
  /** The URL without credentials or query: safe in logs, metrics and conditions. */
  readonly display: string;
  readonly #url: string;
  readonly #branch: string;
  readonly #path: string;
  readonly #options: GitPolicySourceOptions;
  readonly #clock: Clock;
  readonly #logger: RuntimeLogger;
  readonly #fs: typeof nodeFs;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #listeners = new Set<() => void>();
  readonly #cache = {};

  /** The last valid commit read, and its policies. */
  #good: { commit: string; policies: GitPolicy[]; at: number } | undefined;
  /** Suspended policies of refused commits since the last valid one. */
  #extra: GitPolicy[] = [];
  /** The branch head, when it was refused. */
  #refused: { commit: string; problems: string[]; at: number } | undefined;
  #outage: { since: number; reason: string; failures: number } | undefined;
  /** The commit read last (valid or refused): not downloaded again while the branch stays there. */
  #known: string | undefined;
  #reached = false;
  #inForce: { name: string; spec: ChaosPolicySpec }[] = [];
  #inForceKey = '[]';
  #attempted = false;
  #syncWaiters: (() => void)[] = [];
  #pending: Promise<Attempt> | undefined;
  #workDir: string | undefined;
  #fetches = 0;
  #token: string | undefined;

  constructor(options: GitPolicySourceOptions) {
    this.#options = options;
    // Throws a RepositoryError (no token in it) for a URL that is not allowed.
    this.#url = checkRemoteUrl(options.url, undefined);
    const parsed = new URL(this.#url);
    // Plain http would let anyone on the path hide a suspension; only this machine is exempt (tests).
    if (parsed.protocol === 'http:' && !loopbackHosts.has(parsed.hostname)) {
      throw new RepositoryError({
        code: 'InvalidUrl',
        message: `policies are read over https only (plain http only from this machine), not from ${parsed.host}`,
        data: { host: parsed.host },
      });
    }
    this.display = `${parsed.origin}${parsed.pathname}`;
    this.#branch = options.branch ?? 'main';
    this.#path = options.path ?? '';
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#fs = options.fs ?? nodeFs;
    this.#intervalMs = options.pollIntervalMs ?? 10_000;
    this.#timeoutMs = options.fetchTimeoutMs ?? Math.min(60_000, Math.max(5_000, this.#intervalMs));
    this.#setGauges();
    // Not reached until the first poll says otherwise.
    options.metrics?.policySourceUp.set({ source: this.kind }, 0);
  }

  policies(): readonly { name: string; spec: ChaosPolicySpec }[] {
    return this.#inForce;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  hasSynced(): boolean {
    return this.#attempted;
  }

  waitForSync(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    if (this.#attempted) return Promise.resolve(true);
    const { signal } = options;
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      });
    });
  }

  problems(): string[] {
    const problems: string[] = [];
    const source = `Git policy source ${this.display} (branch ${this.#branch})`;
    const at = (ms: number) => new Date(ms).toISOString();
    const held = this.#good
      ? `the ${this.#good.policies.length} ${this.#good.policies.length === 1 ? 'policy' : 'policies'} of commit ${short(this.#good.commit)} (read ${at(this.#good.at)}) stay in force`
      : 'no Git policy is in force, only the cluster’s ChaosPolicies apply';
    const extra = this.#extra.length
      ? `, with the suspended ${this.#extra.map((p) => gitPolicyPrefix + p.name).join(', ')} of a refused commit`
      : '';
    if (this.#outage) {
      const never = !this.#reached ? `never reached, ${this.#outage.failures} attempt(s)` : '';
      problems.push(
        `${source} unreachable since ${at(this.#outage.since)}${never ? ` (${never})` : ''}: ${this.#outage.reason}; ${held}${extra}`,
      );
    }
    if (this.#refused) {
      const [first, ...rest] = this.#refused.problems;
      const more = rest.length ? ` (and ${rest.length} more)` : '';
      problems.push(
        `${source}: commit ${short(this.#refused.commit)} refused: ${first}${more}; ${held}${extra}`,
      );
    }
    return problems;
  }

  async run(options: { signal: AbortSignal }): Promise<void> {
    const { signal } = options;
    try {
      while (!signal.aborted) {
        const started = this.#clock.now();
        await this.poll(signal);
        const rest = Math.max(0, this.#intervalMs - (this.#clock.now() - started));
        if (!(await sleep({ clock: this.#clock, ms: rest, signal }))) break;
      }
    } finally {
      await this.#release();
    }
  }

  /** One poll: bounded by the fetch timeout, never rejects. */
  async poll(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    if (this.#pending) {
      // An abandoned attempt still holds the clone; never run two against one folder.
      this.#apply({ kind: 'failed', reason: 'the previous fetch has still not ended after its timeout' });
      return;
    }
    const abort = new AbortController();
    const onStop = () => abort.abort();
    signal?.addEventListener('abort', onStop, { once: true });
    let timer: TimerHandle | undefined;
    const timedOut = new Promise<Attempt>((resolve) => {
      timer = this.#clock.setTimeout(() => {
        abort.abort();
        resolve({ kind: 'failed', reason: `no answer within ${this.#timeoutMs / 1000} s` });
      }, this.#timeoutMs);
    });
    const work = this.#attempt(abort.signal);
    this.#pending = work;
    void work.finally(() => {
      if (this.#pending === work) this.#pending = undefined;
    });
    const outcome = await Promise.race([work, timedOut]);
    this.#clock.clearTimeout(timer!);
    signal?.removeEventListener('abort', onStop);
    if (signal?.aborted) return;
    this.#apply(outcome);
    if (!this.#attempted) {
      this.#attempted = true;
      for (const waiter of this.#syncWaiters.splice(0)) waiter();
    }
  }

  async #attempt(signal: AbortSignal): Promise<Attempt> {
    let token: string | undefined;
    try {
      token = await this.#options.token?.();
      this.#token = token;
      if (!this.#workDir) {
        this.#workDir = await mkdtemp(join(this.#options.workDir ?? tmpdir(), 'chaoscraft-git-policies-'));
      }
      const gitdir = join(this.#workDir, 'repository.git');
      if (this.#fetches >= fetchesPerClone) {
        await rm(gitdir, { recursive: true, force: true });
        this.#fetches = 0;
      }
      const { head, fetched } = await fetchBranchShallow({
        fs: this.#fs,
        gitdir,
        url: this.#url,
        token,
        branch: this.#branch,
        cache: this.#cache,
        known: this.#known,
        signal,
      });
      if (!fetched) return { kind: 'unchanged', head };
      this.#fetches++;
      const repository = await openRepository({ dir: gitdir, bare: true, fs: this.#fs });
      const read = await readGitPolicies({ repository, commit: head, path: this.#path });
      return { kind: 'read', head, read };
    } catch (error) {
      // Repository errors are scrubbed already; scrub again in case anything else carried it.
      return { kind: 'failed', reason: scrubSecrets(describeError(error).message, [token]) };
    }
  }

  #apply(outcome: Attempt): void {
    const now = this.#clock.now();
    const metrics = this.#options.metrics;
    const labels = { source: this.kind };
    if (outcome.kind === 'failed') {
      const reason = scrubSecrets(outcome.reason, [this.#token]);
      const failures = (this.#outage?.failures ?? 0) + 1;
      // Once when it starts, then now and then: the metric and the condition carry the rest.
      if (failures % logEveryFailures === 1) {
        this.#logger.warn(
          { source: this.display, branch: this.#branch, reason, failures },
          'Git policy source unreachable; the last policies read stay in force',
        );
      }
      this.#outage = { since: this.#outage?.since ?? now, reason, failures };
      metrics?.policySourceUp.set(labels, 0);
      return;
    }
    if (this.#outage) {
      this.#logger.info({ source: this.display, branch: this.#branch }, 'Git policy source reachable again');
    }
    this.#outage = undefined;
    this.#reached = true;
    metrics?.policySourceUp.set(labels, 1);
    metrics?.policySourceLastSuccess.set(labels, now / 1000);
    if (outcome.kind === 'read') {
      this.#known = outcome.head;
      const { read } = outcome;
      if (read.ok) {
        this.#good = { commit: outcome.head, policies: read.policies, at: now };
        this.#extra = [];
        this.#refused = undefined;
        this.#logger.info(
          { source: this.display, commit: outcome.head, policies: read.policies.map((p) => p.name) },
          'Git policies in force',
        );
      } else {
        this.#refused = { commit: outcome.head, problems: read.problems, at: now };
        const known = new Set(this.#extra.map((p) => JSON.stringify(p)));
        for (const policy of read.suspended) if (!known.has(JSON.stringify(policy))) this.#extra.push(policy);
        this.#logger.warn(
          { source: this.display, commit: outcome.head, problems: read.problems.slice(0, 5) },
          'Git policy commit refused; the previous policies stay in force',
        );
      }
    }
    this.#update();
  }

  #update(): void {
    const inForce = [...(this.#good?.policies ?? []), ...this.#extra].map((p) => ({
      name: gitPolicyPrefix + p.name,
      spec: p.spec,
    }));
    const key = JSON.stringify(inForce);
    this.#setGauges(inForce.length);
    if (key === this.#inForceKey) return;
    this.#inForce = inForce;
    this.#inForceKey = key;
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (error) {
        this.#logger.error({ err: describeError(error) }, 'a policy change listener failed');
      }
    }
  }

  #setGauges(count = this.#inForce.length): void {
    const metrics = this.#options.metrics;
    if (!metrics) return;
    const labels = { source: this.kind };
    metrics.policySourceRefused.set(labels, this.#refused ? 1 : 0);
    metrics.policySourcePolicies.set(labels, count);
  }

  async #release(): Promise<void> {
    // An abandoned attempt may still write into the folder: let it end (it was aborted) first.
    if (this.#pending) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#pending,
        new Promise((resolve) => {
          timer = setTimeout(resolve, releaseWaitMs);
        }),
      ]);
      clearTimeout(timer);
    }
    if (this.#workDir) await rm(this.#workDir, { recursive: true, force: true });
    this.#workDir = undefined;
  }
}
