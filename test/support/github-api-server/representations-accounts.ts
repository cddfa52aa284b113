// JSON shapes of GitHub accounts and repositories (users, repositories, apps, installations), built from
// state records. Every field the published schemas require is present; the contract check on every
// response keeps these honest.

import type { AppRecord, GitHubState, InstallationRecord, RepoRecord } from './state.ts';

export type Json = Record<string, unknown>;

export class AccountRepresentations {
  protected readonly state: GitHubState;
  protected readonly api: string;
  protected readonly html: string;

  constructor(options: { state: GitHubState; apiBaseUrl: string; htmlBaseUrl: string }) {
    this.state = options.state;
    this.api = options.apiBaseUrl.replace(/\/$/, '');
    this.html = options.htmlBaseUrl.replace(/\/$/, '');
  }

  nodeId(kind: string, id: number): string {
    return Buffer.from(`${kind}:${id}`).toString('base64url');
  }

  user(login: string): Json {
    const user = this.state.ensureUser({ login });
    const url = `${this.api}/users/${encodeURIComponent(login)}`;
    return {
      login: user.login,
      id: user.id,
      node_id: this.nodeId('User', user.id),
      avatar_url: `${this.html}/avatars/${user.id}`,
      gravatar_id: '',
      url,
      html_url: `${this.html}/${encodeURIComponent(login)}`,
      followers_url: `${url}/followers`,
      following_url: `${url}/following{/other_user}`,
      gists_url: `${url}/gists{/gist_id}`,
      starred_url: `${url}/starred{/owner}{/repo}`,
      subscriptions_url: `${url}/subscriptions`,
      organizations_url: `${url}/orgs`,
      repos_url: `${url}/repos`,
      events_url: `${url}/events{/privacy}`,
      received_events_url: `${url}/received_events`,
      type: user.type,
      site_admin: false,
      user_view_type: 'public',
    };
  }

  repository(repo: RepoRecord): Json {
    const url = `${this.api}/repos/${repo.fullName}`;
    const html = `${this.html}/${repo.fullName}`;
    // URL templates (RFC 6570) as GitHub sends them; fields typed `uri` in the schema carry no template.
    const templated: Record<string, string> = {
      archive_url: '/{archive_format}{/ref}',
      assignees_url: '/assignees{/user}',
      blobs_url: '/git/blobs{/sha}',
      branches_url: '/branches{/branch}',
      collaborators_url: '/collaborators{/collaborator}',
      comments_url: '/comments{/number}',
      commits_url: '/commits{/sha}',
      compare_url: '/compare/{base}...{head}',
      contents_url: '/contents/{+path}',
      git_commits_url: '/git/commits{/sha}',
      git_refs_url: '/git/refs{/sha}',
      git_tags_url: '/git/tags{/sha}',
      issue_comment_url: '/issues/comments{/number}',
      issue_events_url: '/issues/events{/number}',
      issues_url: '/issues{/number}',
      keys_url: '/keys{/key_id}',
      labels_url: '/labels{/name}',
      milestones_url: '/milestones{/number}',
      notifications_url: '/notifications{?since,all,participating}',
      pulls_url: '/pulls{/number}',
      releases_url: '/releases{/id}',
      statuses_url: '/statuses/{sha}',
      trees_url: '/git/trees{/sha}',
    };
    const plain = [
      'contributors',
      'deployments',
      'downloads',
      'events',
      'forks',
      'hooks',
      'languages',
      'merges',
      'stargazers',
      'subscribers',
      'subscription',
      'tags',
      'teams',
    ];
    const urls: Json = {};
    for (const [field, suffix] of Object.entries(templated)) urls[field] = `${url}${suffix}`;
    for (const name of plain) urls[`${name}_url`] = `${url}/${name}`;
    return {
      id: repo.id,
      node_id: this.nodeId('Repository', repo.id),
      name: repo.name,
      full_name: repo.fullName,
      owner: this.user(repo.owner),
      private: repo.private,
      visibility: repo.private ? 'private' : 'public',
      html_url: html,
      description: repo.description,
      fork: repo.fork,
      url,
      ...urls,
      git_url: `git://github.test/${repo.fullName}.git`,
      ssh_url: `git@github.test:${repo.fullName}.git`,
      clone_url: `${html}.git`,
      svn_url: html,
      mirror_url: null,
      homepage: null,
      language: null,
      forks: 0,
      forks_count: 0,
      stargazers_count: 0,
      watchers: 0,
      watchers_count: 0,
      size: 0,
      default_branch: repo.defaultBranch,
      open_issues: this.openIssueCount(repo),
      open_issues_count: this.openIssueCount(repo),
      is_template: false,
      topics: [],
      has_issues: true,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      has_downloads: true,
      archived: false,
      disabled: false,
      license: null,
      pushed_at: repo.createdAt,
      created_at: repo.createdAt,
      updated_at: repo.createdAt,
    };
  }

  protected openIssueCount(repo: RepoRecord): number {
    return this.state.issues.filter((issue) => issue.repo === repo.fullName && issue.state === 'open').length;
  }

  protected label(repo: string, name: string): Json {
    const id = [...name].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) % 1_000_000_007, 7);
    return {
      id,
      node_id: this.nodeId('Label', id),
      url: `${this.api}/repos/${repo}/labels/${encodeURIComponent(name)}`,
      name,
      description: null,
      color: 'ededed',
      default: false,
    };
  }

  app(app: AppRecord): Json {
    return {
      id: app.id,
      slug: app.slug,
      node_id: this.nodeId('Integration', app.id),
      client_id: `Iv1.${app.id.toString(16).padStart(16, '0')}`,
      owner: this.user(app.owner),
      name: app.name,
      description: null,
      external_url: `${this.html}/apps/${app.slug}`,
      html_url: `${this.html}/apps/${app.slug}`,
      created_at: app.createdAt,
      updated_at: app.createdAt,
      permissions: { checks: 'write', metadata: 'read', pull_requests: 'write', statuses: 'write' },
      events: [],
    };
  }

  installation(installation: InstallationRecord): Json {
    const app = this.state.apps.get(installation.appId)!;
    const account = this.state.ensureUser({ login: installation.account });
    return {
      id: installation.id,
      account: this.user(installation.account),
      repository_selection: installation.repositories === 'all' ? 'all' : 'selected',
      access_tokens_url: `${this.api}/app/installations/${installation.id}/access_tokens`,
      repositories_url: `${this.api}/installation/repositories`,
      html_url: `${this.html}/organizations/${installation.account}/settings/installations/${installation.id}`,
      app_id: app.id,
      app_slug: app.slug,
      target_id: account.id,
      target_type: account.type === 'Organization' ? 'Organization' : 'User',
      permissions: installation.permissions,
      events: [],
      created_at: installation.createdAt,
      updated_at: installation.createdAt,
      single_file_name: null,
      suspended_by: null,
      suspended_at: null,
    };
  }
}
