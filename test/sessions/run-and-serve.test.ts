// PENDING THE WIRING: rename to run-and-serve.test.ts in the commit that wires withSessionRecorder
// into serve (src/cli/serve.ts) and run (src/codex/run-with-bridge.ts); until then nothing records.
// Verified passing against a copy of the tree with exactly that wiring.
//
// Sessions recorded by the real CLI: two `codex-bridge run -- codex exec` at once (the real Codex)
// sharing one CODEX_BRIDGE_HOME, and a previous_response_id chain continued by a new `serve`
// process after the first one was stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../src/translate/types.js';
import { startMockUpstream, type MockTurn, type MockUpstream } from '../helpers/mock-upstream.js';
import { tempDirsPerTest } from '../helpers/temp-dirs.js';
import { ensureBuilt } from '../e2e/ensure-built.js';
import { bridgeBin, makeSandbox, runBridge, type Sandbox } from '../e2e/sandbox.js';

const KEY = 'sk-sessions-e2e-upstream-key-0123';
const TOKEN = 'sessions-e2e-bridge-token-4567890';

/** A fresh CODEX_BRIDGE_HOME, removed after the test (after the cleanup below, which stops the processes using it). */
const newBridgeHome = tempDirsPerTest('cb-sessions-e2e-');
const cleanup: Array<() => Promise<void> | void> = [];
beforeAll(ensureBuilt, 120_000);
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function mock(turns: (request: ChatRequest) => MockTurn): Promise<MockUpstream> {
  const upstream = await startMockUpstream({ apiKey: KEY, turns });
  cleanup.push(() => upstream.close());
  return upstream;
}

function sandbox(): Sandbox {
  const s = makeSandbox();
  cleanup.push(() => s.dispose());
  return s;
}

const toolResults = (request: ChatRequest) => request.messages.filter((m) => m.role === 'tool').length;
const shell = (cmd: string) => ({ name: 'exec_command', arguments: JSON.stringify({ cmd }) });

interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
}

/** Two tool calls then an answer (3 requests at least), with usage that differs per request and per run. */
function scripted(seed: number, served: Usage[]) {
  return (request: ChatRequest): MockTurn => {
    const done = toolResults(request);
    const usage = { prompt_tokens: 1_000 * seed + 10 * done + 1, completion_tokens: 20 * seed + done, cached_tokens: 100 * seed + done, reasoning_tokens: seed + done };
    served.push({ inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens, cachedTokens: usage.cached_tokens, reasoningTokens: usage.reasoning_tokens });
    if (done === 0) return { reasoning: 'First look.', toolCalls: [shell(`echo run${seed} > a.txt`)], usage };
    if (done === 1) return { reasoning: 'Then check.', toolCalls: [shell('cat a.txt')], usage };
    return { reasoning: 'Done.', content: `ANSWER-${seed}`, usage };
  };
}

const sum = (usages: Usage[]): Usage =>
  usages.reduce(
    (total, u) => ({
      inputTokens: total.inputTokens + u.inputTokens,
      outputTokens: total.outputTokens + u.outputTokens,
      cachedTokens: total.cachedTokens + u.cachedTokens,
      reasoningTokens: total.reasoningTokens + u.reasoningTokens,
    }),
    { inputTokens: 0, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0 },
  );

describe('sessions recorded by codex-bridge run and serve', () => {
  it('two `codex-bridge run -- codex exec` at once: both listed, requests ≥ 3, usage = the mock\'s summed', async () => {
    const home = newBridgeHome();
    const served: [Usage[], Usage[]] = [[], []];
    const mocks = [await mock(scripted(1, served[0])), await mock(scripted(2, served[1]))];
    const boxes = [sandbox(), sandbox()];
    const results = await Promise.all(
      [0, 1].map((i) =>
        runBridge(
          boxes[i],
          ['run', '--upstream', mocks[i].url, '--model', 'mock-model', '--api-key-env', 'MOCK_KEY', '--', 'codex', 'exec', '--skip-git-repo-check', '-s', 'danger-full-access', `PROMPT-${i + 1}: write a.txt`],
          { env: boxes[i].env({ MOCK_KEY: KEY, CODEX_BRIDGE_HOME: home }) },
        ),
      ),
    );
    const ids = results.map((result, i) => {
      expect(result.exitCode, result.all).toBe(0);
      expect(result.stdout).toContain(`ANSWER-${i + 1}`);
      const id = /session id: ([0-9a-f-]{36})/.exec(result.all ?? '')?.[1];
      expect(id, result.all).toBeDefined();
      return id!;
    });

    const listed = await runBridge(boxes[0], ['sessions', 'list', '--json'], { env: boxes[0].env({ CODEX_BRIDGE_HOME: home }) });
    expect(listed.exitCode, listed.all).toBe(0);
    const sessions = JSON.parse(listed.stdout) as Array<{ id: string; title: string; cwd: string; model: string; upstream: string; requests: number; usage: Usage }>;
    expect(sessions.map((s) => s.id).sort()).toEqual([...ids].sort());
    for (const i of [0, 1]) {
      const session = sessions.find((s) => s.id === ids[i])!;
      expect(session.requests).toBeGreaterThanOrEqual(3);
      expect(session.requests).toBe(mocks[i].requests.length);
      expect(session.usage).toEqual(sum(served[i]));
      expect(session).toMatchObject({ title: `PROMPT-${i + 1}: write a.txt`, cwd: boxes[i].cwd, model: 'mock-model', upstream: new URL(mocks[i].url).host });
    }

    // The file: private, and without the key or the per-run tokens.
    const file = path.join(home, 'sessions.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).not.toContain(KEY);

    // `show` by prefix gives the command to resume.
    const shown = await runBridge(boxes[0], ['sessions', 'show', ids[0].slice(0, 30)], { env: boxes[0].env({ CODEX_BRIDGE_HOME: home }) });
    expect(shown.exitCode, shown.all).toBe(0);
    const resume = /\nresume +codex-bridge resume (\S+)$/.exec(shown.stdout);
    expect(resume, shown.stdout).not.toBeNull();
    expect(ids[0].startsWith(resume![1]) && resume![1].length < ids[0].length).toBe(true);
  }, 180_000);

  it('a previous_response_id chain continued by a new `serve` process (the SessionStore survives the restart)', async () => {
    const home = newBridgeHome();
    const upstream = await mock((request) => ({ content: request.messages.length === 1 ? 'noted' : 'the word was PAPAYA' }));
    const box = sandbox();
    const env = box.env({ MOCK_KEY: KEY, CODEX_BRIDGE_HOME: home, CODEX_BRIDGE_TOKEN: TOKEN });

    const first = await startServe(box, upstream, env);
    const one = await ask(first.url, { model: 'mock-model', input: 'remember the word PAPAYA' });
    expect(one.status).toBe(200);
    await first.stop();

    const second = await startServe(box, upstream, env);
    const two = await ask(second.url, { model: 'mock-model', previous_response_id: one.body.id, input: 'which word?' });
    expect(two.status, JSON.stringify(two.body)).toBe(200);
    await second.stop();

    expect(upstream.requests.at(-1)!.body.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'remember the word PAPAYA'],
      ['assistant', 'noted'],
      ['user', 'which word?'],
    ]);
    const listed = await runBridge(box, ['sessions', 'list', '--json'], { env });
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ id: one.body.id, client: 'api', title: 'remember the word PAPAYA', requests: 2, upstreamUrl: upstream.url.replace(/\/+$/, ''), apiKeyEnv: 'MOCK_KEY' }),
    ]);
  }, 60_000);
});

async function ask(url: string, body: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${url}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** `codex-bridge serve` as its own process; stop() sends SIGTERM and waits for exit code 0. */
async function startServe(box: Sandbox, upstream: MockUpstream, env: NodeJS.ProcessEnv): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [bridgeBin, 'serve', '--upstream', upstream.url, '--model', 'mock-model', '--api-key-env', 'MOCK_KEY', '--port', '0'], {
    cwd: box.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  cleanup.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const deadline = Date.now() + 15_000;
  let url: string | undefined;
  while (!(url = /listening on (http:\/\/\S+)/.exec(output)?.[1]) && Date.now() < deadline && child.exitCode === null) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (!url) throw new Error(`serve did not start:\n${output}`);
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      expect(await exited, output).toBe(0);
    },
  };
}
