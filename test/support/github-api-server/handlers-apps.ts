// Handlers of the GitHub App operations (installation lookup, installation tokens) and GET /rate_limit.

import { mintInstallationToken } from './auth.ts';
import { GitHubApiError, notFound, validationFailed } from './errors.ts';
import type { Handler, HandlerContext } from './handlers.ts';

function requireAppJwt(ctx: HandlerContext): number {
  if (ctx.identity.kind !== 'app') {
    throw new GitHubApiError({
      status: 401,
      message: 'A JSON web token could not be decoded',
      code: 'Unauthorized',
    });
  }
  return ctx.identity.appId;
}

export const APP_HANDLERS: Record<string, Handler> = {
  'apps/get-repo-installation': (ctx) => {
    const appId = requireAppJwt(ctx);
    const fullName = `${ctx.path.owner}/${ctx.path.repo}`;
    const installation = [...ctx.state.installations.values()].find(
      (candidate) =>
        candidate.appId === appId &&
        ctx.state.repos.has(fullName) &&
        ctx.state.installationCovers({ installation: candidate, repo: fullName }),
    );
    if (!installation) throw notFound();
    return { status: 200, body: ctx.repr.installation(installation) };
  },

  'apps/create-installation-access-token': (ctx) => {
    const appId = requireAppJwt(ctx);
    const installation = ctx.state.installations.get(ctx.path.installation_id as number);
    if (!installation || installation.appId !== appId) throw notFound();
    let repositories: string[] | undefined;
    if (Array.isArray(ctx.body.repositories)) {
      repositories = (ctx.body.repositories as string[]).map((name) => `${installation.account}/${name}`);
      const outside = repositories.filter(
        (name) => !ctx.state.installationCovers({ installation, repo: name }),
      );
      if (outside.length > 0) {
        throw validationFailed({
          message:
            'There is at least one repository that does not exist or is not accessible to the parent installation.',
          errors: [{ resource: 'InstallationToken', field: 'repositories', code: 'invalid' }],
        });
      }
    }
    const minted = mintInstallationToken({
      state: ctx.state,
      installationId: installation.id,
      now: ctx.now,
      ...(repositories ? { repositories } : {}),
    });
    const body: Record<string, unknown> = {
      token: minted.token,
      expires_at: `${minted.expiresAt.toISOString().slice(0, 19)}Z`,
      permissions: installation.permissions,
      repository_selection: repositories || installation.repositories !== 'all' ? 'selected' : 'all',
    };
    if (repositories) {
      body.repositories = repositories.map((name) => ctx.repr.repository(ctx.state.getRepo(name)));
    }
    return { status: 201, body };
  },

  'rate-limit/get': (ctx) => {
    const core = ctx.rateLimits.snapshot();
    const fresh = (limit: number) => ({ limit, remaining: limit, used: 0, reset: core.reset });
    return {
      status: 200,
      body: {
        resources: {
          core,
          search: fresh(30),
          graphql: fresh(5000),
          integration_manifest: fresh(5000),
          code_search: fresh(10),
        },
        rate: core,
      },
    };
  },
};
