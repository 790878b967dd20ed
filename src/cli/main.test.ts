import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, formatCommanderError } from './main.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Parses `args` with the real program; what it wrote to stderr and the exit code commander chose. */
async function parse(args: string[]): Promise<{ stderr: string; exitCode?: number }> {
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    await buildProgram().parseAsync(['node', 'codex-bridge', ...args]);
    return { stderr };
  } catch (error) {
    return { stderr, exitCode: (error as { exitCode?: number }).exitCode };
  }
}

describe('commander errors in the bridge style', () => {
  it('folds the message and its suggestion into one line, pointing at the help', () => {
    expect(formatCommanderError("error: unknown option '--provide'\n(Did you mean --provider?)\n", 'codex-bridge run')).toBe(
      "codex-bridge: unknown option '--provide' (did you mean --provider?) — see `codex-bridge run --help`\n",
    );
    expect(formatCommanderError("error: missing required argument 'key'\n", 'codex-bridge config set')).toBe(
      "codex-bridge: missing required argument 'key' — see `codex-bridge config set --help`\n",
    );
  });

  it("a subcommand's usage error points at that subcommand's help", async () => {
    const result = await parse(['sessions', 'list', '--bogus']);
    expect(result.stderr).toBe("codex-bridge: unknown option '--bogus' — see `codex-bridge sessions list --help`\n");
    expect(result.exitCode).toBe(1); // main() turns commander's 1 into 2
    expect((await parse(['config', 'set'])).stderr).toBe("codex-bridge: missing required argument 'key' — see `codex-bridge config set --help`\n");
    expect((await parse(['run', '--port'])).stderr).toBe("codex-bridge: option '--port <n>' argument missing — see `codex-bridge run --help`\n");
    expect((await parse(['nope'])).stderr).toBe("codex-bridge: unknown command 'nope' — see `codex-bridge --help`\n");
  });

  it('never prints commander\'s own "error:" style', async () => {
    for (const args of [['run', '--bogus', '--', 'x'], ['sessions', 'lst'], ['doctor', '--provider'], ['serve', '--port', 'x']]) {
      const { stderr } = await parse(args);
      expect(stderr).toMatch(/^codex-bridge: .+ — see `codex-bridge [a-z ]+ --help`\n$/);
      expect(stderr).not.toMatch(/^error:/m);
    }
  });

  it('knows `sessions ls` as `sessions list`', async () => {
    const program = buildProgram();
    const list = program.commands.find((c) => c.name() === 'sessions')!.commands.find((c) => c.name() === 'list')!;
    expect(list.aliases()).toContain('ls');
  });
});
