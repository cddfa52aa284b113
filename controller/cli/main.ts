// The `chaoscraft` command line: one binary, one subcommand per role.
import { readFileSync } from 'node:fs';
import { type Command, type CommandIo, UsageError } from './command.ts';

// Commands load on use: the controller need not carry Octokit and isomorphic-git in memory,
// and `validate` starts without the Kubernetes client.
const commands: Record<string, { load: () => Promise<Command>; summary: string }> = {
  validate: {
    load: async () => (await import('./validate-command.ts')).validateCommand,
    summary: 'check ChaosCraft manifests in files and folders',
  },
  plan: {
    load: async () => (await import('./plan-command.ts')).planCommand,
    summary: 'print the plan a pull request would get',
  },
  controller: {
    load: async () => (await import('./controller-command.ts')).controllerCommand,
    summary: 'run the ChaosExperiment controller',
  },
  agent: {
    load: async () => (await import('./agent-command.ts')).agentCommand,
    summary: 'run the node agent that applies ChaosInjections',
  },
  standalone: {
    load: async () => (await import('./standalone-command.ts')).standaloneCommand,
    summary: 'run experiments from a Git repository on this host, without Kubernetes',
  },
  gitops: {
    load: async () => (await import('./gitops-command.ts')).gitopsCommand,
    summary: 'publish PR plans and post experiment results to GitHub',
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `Usage: chaoscraft <command> [options]\n\nCommands:\n${lines.join('\n')}\n  version      print the version\n\nRun 'chaoscraft <command> --help' for a command's options.\n`;
}

export async function run(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(usage());
    return name ? 0 : 2;
  }
  if (name === 'version' || name === '--version') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    io.stdout(`chaoscraft ${pkg.version}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    io.stderr(`chaoscraft: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load())(rest, io);
  } catch (error) {
    const usageMistake =
      error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (usageMistake) {
      io.stderr(
        `chaoscraft ${name}: ${(error as Error).message}\nRun 'chaoscraft ${name} --help' for usage.\n`,
      );
      return 2;
    }
    throw error;
  }
}
