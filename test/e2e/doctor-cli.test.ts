import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { ensureBuilt } from './ensure-built.js';
import { makeSandbox, runBridge, type Sandbox } from './sandbox.js';

// The built CLI: `doctor`, `config` and `run --provider` as a user types them.

const KEY = 'sk-e2e-doctor-right-0123456789';
const CANARY = 'sk-canary-E2E-doctor-fedcba9876543210';

let sandbox: Sandbox | undefined;
let mock: MockUpstream | undefined;
beforeAll(ensureBuilt, 120_000);
afterEach(async () => {
  await mock?.close();
  mock = undefined;
  sandbox?.dispose();
  sandbox = undefined;
});

function setup(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  sandbox = makeSandbox();
  return sandbox.env({ CODEX_BRIDGE_HOME: path.join(sandbox.root, 'bridge-home'), ...extra });
}

describe('codex-bridge doctor (the real CLI)', () => {
  it('healthy: exit 0, a ✓ line per check', async () => {
    mock = await startMockUpstream({ turns: [{ content: 'OK' }], apiKey: KEY, models: ['mock-model'] });
    const env = setup({ MOCK_KEY: KEY });
    const result = await runBridge(sandbox!, ['doctor', '--upstream', mock.url, '--model', 'mock-model', '--api-key-env', 'MOCK_KEY'], { env });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^✓ codex — 0\.171\.0 /m);
    expect(result.stdout).toContain('✓ key accepted — GET /models answered 200 listing 1 model');
    expect(result.stdout).not.toContain('✗');
  });

  it('wrong key: exit 1, names the 401 and the variable; the key is nowhere in the output', async () => {
    mock = await startMockUpstream({ turns: [{ content: 'OK' }], apiKey: KEY, models: ['mock-model'] });
    const env = setup({ MOCK_KEY: CANARY });
    const args = ['doctor', '--upstream', mock.url, '--model', 'mock-model', '--api-key-env', 'MOCK_KEY'];
    const text = await runBridge(sandbox!, args, { env });
    const json = await runBridge(sandbox!, [...args, '--json', '--probe'], { env });
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain('✗ key accepted — the key in $MOCK_KEY was rejected (401)');
    expect(json.exitCode).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string; fix: string | null }> };
    expect(report.ok).toBe(false);
    expect(report.checks.find((check) => check.name === 'key accepted')).toMatchObject({ ok: false, detail: 'the key in $MOCK_KEY was rejected (401)' });
    for (const output of [text.stdout, text.stderr, json.stdout, json.stderr]) {
      expect(output).not.toContain(CANARY);
      expect(output).not.toContain(CANARY.slice(0, 10));
    }
  });

  it('unreachable upstream and unknown model: exit 1 with the reason', async () => {
    const env = setup();
    const refused = await runBridge(sandbox!, ['doctor', '--upstream', 'http://127.0.0.1:9/v1', '--model', 'm'], { env });
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toContain('✗ reachable — TCP connection to 127.0.0.1:9 refused (ECONNREFUSED)');

    mock = await startMockUpstream({ turns: [{ content: 'OK' }], models: ['deepseek-v4-flash', 'deepseek-v4-pro'] });
    const unknown = await runBridge(sandbox!, ['doctor', '--upstream', mock.url, '--model', 'deepseek-chat'], { env });
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stdout).toMatch(/✗ model — deepseek-chat \(from the flag\) is not among the 2 models .* lists\n {2}fix: did you mean deepseek-v4-pro or deepseek-v4-flash\?/);
  });

  it('a base URL with /chat/completions appended: exit 1 with "did you mean", and config set refuses it', async () => {
    mock = await startMockUpstream({ turns: [{ content: 'OK' }], apiKey: KEY, models: ['mock-model'] });
    const env = setup({ MOCK_KEY: KEY });
    const wrong = `${mock.url}/chat/completions`;
    const result = await runBridge(sandbox!, ['doctor', '--upstream', wrong, '--model', 'mock-model', '--api-key-env', 'MOCK_KEY'], { env });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(`✗ upstream — ${wrong} ends in /chat/completions, which the bridge adds itself\n  fix: did you mean ${mock.url}? pass --upstream ${mock.url}`);
    const saved = await runBridge(sandbox!, ['config', 'set', 'upstream', wrong], { env });
    expect(saved.exitCode).toBe(2);
    expect(saved.stderr).toBe(
      `codex-bridge: ${wrong} ends in /chat/completions, which the bridge adds itself — did you mean ${mock.url}? codex-bridge config set upstream ${mock.url}; nothing was saved`,
    );
    expect((await runBridge(sandbox!, ['config', 'list'], { env })).stdout).toMatch(/^nothing saved/);
  });

  it('usage errors exit 2', async () => {
    const env = setup();
    const result = await runBridge(sandbox!, ['doctor', '--provider', 'nope'], { env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^codex-bridge: unknown provider "nope" \(--provider\) — the presets are: deepseek, kimi/);
  });
});

describe('codex-bridge config and run --provider (the real CLI)', () => {
  it('config round trip; an unknown provider is refused with the list (exit 2)', async () => {
    const env = setup();
    const file = path.join(sandbox!.root, 'bridge-home', 'config.json');
    expect((await runBridge(sandbox!, ['config', 'set', 'provider', 'ollama'], { env })).exitCode).toBe(0);
    expect((await runBridge(sandbox!, ['config', 'get', 'provider'], { env })).stdout).toBe('ollama'); // execa strips the final newline
    expect((await runBridge(sandbox!, ['config', 'path'], { env })).stdout).toBe(file);
    const bad = await runBridge(sandbox!, ['config', 'set', 'provider', 'nope'], { env });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe('codex-bridge: unknown provider "nope" — the presets are: deepseek, kimi, qwen, glm, openrouter, groq, mistral, xai, gemini, ollama, lmstudio, vllm');
    expect((await runBridge(sandbox!, ['config', 'unset', 'provider'], { env })).stdout).toBe('removed provider');
    expect((await runBridge(sandbox!, ['config', 'list'], { env })).stdout).toBe(`nothing saved (${file})`);
  });

  it('run --provider deepseek with only DEEPSEEK_API_KEY set (the mock stands in for DeepSeek via --upstream)', async () => {
    mock = await startMockUpstream({ turns: [{ content: 'hello from the preset' }], apiKey: KEY });
    const env = setup({ DEEPSEEK_API_KEY: KEY });
    // The child asks the bridge for its models (the preset's default) and a completion through it.
    const script = `
      const base = process.env.OPENAI_BASE_URL, auth = { authorization: 'Bearer ' + process.env.OPENAI_API_KEY, 'content-type': 'application/json' };
      const models = await (await fetch(base + '/models', { headers: auth })).json();
      const reply = await (await fetch(base + '/responses', { method: 'POST', headers: auth, body: JSON.stringify({ model: models.data[0].id, input: 'hi' }) })).json();
      console.log(JSON.stringify({ model: models.data[0].id, text: reply.output?.[0]?.content?.[0]?.text, sawKey: JSON.stringify(process.env).includes(${JSON.stringify(KEY)}) }));
    `;
    const result = await runBridge(sandbox!, ['run', '--provider', 'deepseek', '--upstream', mock.url, '--', 'node', '--input-type=module', '-e', script], { env });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ model: 'deepseek-v4-flash', text: 'hello from the preset', sawKey: false });
    expect(mock.requests.at(-1)?.body).toMatchObject({ model: 'deepseek-v4-flash' });
    expect(mock.requests.at(-1)?.headers.authorization).toBe(`Bearer ${KEY}`);
  });
});
