import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { ensureBuilt } from './ensure-built.js';
import { processesMentioning, waitFor } from './fault-helpers.js';
import { runBridge, sandboxAndMockPerTest } from './sandbox.js';

const KEY = 'sk-mock-upstream-key-signals-0123456789';

let release: (() => void) | undefined;
const perTest = sandboxAndMockPerTest(KEY, () => {
  release?.();
  release = undefined;
});
beforeAll(ensureBuilt, 120_000);
const setUp = perTest.setUp;

const bridgeArgs = (m: MockUpstream) => ['run', '--upstream', m.url, '--model', 'mock-model', '--api-key-env', 'MOCK_KEY', '--'];

describe('codex-bridge run: signals', () => {
  it('Ctrl-C (SIGINT) while Codex waits on the model stops Codex, cleans up and exits 130', async () => {
    let requestArrived = false;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { sandbox: s, mock: m } = await setUp({
      turns: async () => {
        requestArrived = true;
        await held; // the model "thinks" until the test is over
        return { content: 'too late' };
      },
    });
    const run = runBridge(s, [...bridgeArgs(m), 'codex', 'exec', '--skip-git-repo-check', '-s', 'danger-full-access', 'Think hard.'], {
      env: s.env({ MOCK_KEY: KEY }),
    });
    await waitFor(() => requestArrived, 'Codex to call the model');
    const [profile] = s.leftovers().filter((name) => name.endsWith('.config.toml'));
    const profileName = profile.replace(/\.config\.toml$/, '');
    expect(processesMentioning(profileName).length).toBeGreaterThan(0);

    run.kill('SIGINT');
    const result = await run;

    expect(result.exitCode, result.all).toBe(130);
    expect(s.leftovers()).toEqual([]);
    // Codex (the npm shim and the native binary, both started with --profile <name>) is gone.
    await waitFor(() => processesMentioning(profileName).length === 0, 'Codex to exit', 10_000);
  }, 120_000);

  it('SIGTERM reaches a non-Codex command too: 128 + 15', async () => {
    const { sandbox: s, mock: m } = await setUp({ turns: [{ content: 'unused' }] });
    const marker = path.join(s.cwd, 'started');
    const run = runBridge(s, [...bridgeArgs(m), 'node', '-e', `require("fs").writeFileSync(${JSON.stringify(marker)}, ""); setInterval(() => {}, 1000)`], {
      env: s.env({ MOCK_KEY: KEY }),
    });
    await waitFor(() => readdirSync(s.cwd).includes('started'), 'the command to start');
    run.kill('SIGTERM');
    expect((await run).exitCode).toBe(143);
  }, 60_000);

  it('kill -9 of run: a command that ignores SIGTERM, and the process it started, end within 2 s', async () => {
    const { sandbox: s, mock: m } = await setUp({ turns: [{ content: 'unused' }] });
    const marker = path.join(s.cwd, 'started');
    // Its grandchild, told apart by an argument nothing else has.
    const grandchild = `setInterval(() => {}, 1000) // grandchild-${path.basename(s.root)}`;
    const script = `process.on("SIGTERM", () => {}); require("child_process").spawn(process.execPath, ["-e", ${JSON.stringify(grandchild)}], { stdio: "ignore" }); require("fs").writeFileSync(${JSON.stringify(marker)}, ""); setInterval(() => {}, 1000)`;
    const run = runBridge(s, [...bridgeArgs(m), 'node', '-e', script], { env: s.env({ MOCK_KEY: KEY }) });
    try {
      await waitFor(() => readdirSync(s.cwd).includes('started') && processesMentioning(grandchild).length > 0, 'the command and its child to start');
      const killedAt = Date.now();
      run.kill('SIGKILL');
      await waitFor(() => processesMentioning(marker).length + processesMentioning(grandchild).length === 0, 'the command and its child to end', 10_000);
      expect(Date.now() - killedAt).toBeLessThan(2_000);
    } finally {
      // Whatever is left of the bridge, the command and its child, if the test failed (the bridge's
      // and the command's arguments hold the marker).
      for (const pid of [...processesMentioning(marker), ...processesMentioning(grandchild)]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // ended, as it should
        }
      }
    }
    expect((await run).signal).toBe('SIGKILL');
  }, 60_000);
});

describe('codex-bridge run -- <any other command>', () => {
  it('an OpenAI SDK script reaches the bridge through OPENAI_BASE_URL / OPENAI_API_KEY', async () => {
    const { sandbox: s, mock: m } = await setUp({ turns: [{ content: 'SDK-ANSWER-1a2' }] });
    const openai = pathToFileURL(createRequire(import.meta.url).resolve('openai')).href;
    writeFileSync(
      path.join(s.cwd, 'script.mjs'),
      `const mod = await import(${JSON.stringify(openai)});
const OpenAI = mod.OpenAI ?? mod.default;
const client = new OpenAI({ maxRetries: 0 }); // configured from the environment only
const response = await client.responses.create({ model: 'mock-model', input: 'Say hi.' });
console.log('SDK-OUTPUT:' + response.output_text);
console.log('KEY-VISIBLE:' + Object.values(process.env).some((v) => v.includes(${JSON.stringify(KEY)})));
`,
    );
    const result = await runBridge(s, [...bridgeArgs(m), 'node', 'script.mjs'], { env: s.env({ MOCK_KEY: KEY }) });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain('SDK-OUTPUT:SDK-ANSWER-1a2');
    expect(result.stdout).toContain('KEY-VISIBLE:false');
    expect(m.requests.map((r) => r.status)).toEqual([200]);
    expect(m.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
  }, 60_000);
});
