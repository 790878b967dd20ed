import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './ensure-built.js';
import { codexExec } from './fault-helpers.js';
import { runBridge, sandboxAndMockPerTest, type Sandbox } from './sandbox.js';
import { MAX_FAILED_ATTEMPTS_PER_TURN } from '../../src/server/call-upstream.js';
import { closedPort } from '../helpers/closed-port.js';

// The real Codex through `codex-bridge run` against an upstream that is down or misconfigured:
// it ends in seconds, with one line that names the upstream and the fix, and the bridge's retries
// and Codex's do not multiply.

const KEY = 'sk-mock-upstream-key-failfast-0123456789';
/** Lets a held mock answer, so that it can close. */
let release: (() => void) | undefined;
const perTest = sandboxAndMockPerTest(KEY, () => release?.());
beforeAll(ensureBuilt, 120_000);


/** The sessions the sandbox's bridge recorded (its home is the sandbox's). */
async function recordedSessions(s: Sandbox): Promise<unknown[]> {
  const listed = await runBridge(s, ['sessions', 'list', '--json']);
  expect(listed.exitCode, listed.all).toBe(0);
  return JSON.parse(listed.stdout) as unknown[];
}

/** The lines of a --log-file, without their timestamps. */
const logLines = (file: string): string[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/^\S+ /, ''));

describe('real Codex through run: an upstream that will not answer', () => {
  it('Ollama not running (--provider ollama, a closed port): exit 1 within 20 s, one request, "ollama serve" in the message', async () => {
    const s = perTest.sandbox();
    const port = await closedPort();
    const logFile = path.join(s.root, 'bridge.log');
    const started = Date.now();
    const result = await runBridge(
      s,
      ['run', '--provider', 'ollama', '--upstream', `http://127.0.0.1:${port}/v1`, '--log-file', logFile, '--', 'codex', 'exec', '--skip-git-repo-check', 'Say hi.'],
      { timeout: 60_000 },
    );
    const seconds = (Date.now() - started) / 1000;
    expect(result.exitCode, result.all).toBe(1);
    expect(seconds).toBeLessThan(20);
    const message = `cannot reach upstream 127.0.0.1:${port}: connection refused (ECONNREFUSED) — is Ollama running? start it with \`ollama serve\`, and fetch the model with \`ollama pull gpt-oss:20b\``;
    expect(result.stderr).toContain(`ERROR: ${message}`);
    // The bridge knew before Codex asked (the connection was opened while run started), and Codex
    // asked once: no retries on either side.
    const lines = logLines(logFile);
    const requests = lines.filter((line) => line.startsWith('POST /v1/responses'));
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatch(/status=400/);
    expect(lines.indexOf(`at start-up: ${message}`)).toBeGreaterThanOrEqual(0);
    expect(lines.indexOf(`at start-up: ${message}`)).toBeLessThan(lines.indexOf(requests[0]));
    expect(s.leftovers()).toEqual([]);
    // Nothing was answered: no session to resume, and no line that says there is one.
    expect(result.stderr).not.toContain('codex-bridge resume');
    expect(await recordedSessions(s)).toEqual([]);
  }, 60_000);

  it('a rejected key: at once, naming the variable, one upstream attempt, the key nowhere', async () => {
    const { sandbox: s, mock: m } = await perTest.setUp({ turns: [{ content: 'never' }] });
    const wrong = 'sk-wrong-key-failfast-9876543210';
    const started = Date.now();
    const result = await codexExec(s, m.url, 'Say hi.', { key: wrong, timeout: 60_000 });
    expect(result.exitCode, result.all).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.stderr).toMatch(/^ERROR: upstream 127\.0\.0\.1:\d+ answered 401: .* — check the key in \$MOCK_KEY$/m);
    expect(m.requests).toHaveLength(1);
    expect(result.all).not.toContain(wrong);
    expect(result.stderr).not.toContain('codex-bridge resume');
    expect(await recordedSessions(s)).toEqual([]);
  }, 60_000);

  it('a base URL with /chat/completions appended: one attempt, the message says to check --upstream', async () => {
    const { sandbox: s, mock: m } = await perTest.setUp({ turns: [{ content: 'never' }] });
    const logFile = path.join(s.root, 'bridge.log');
    const result = await codexExec(s, `${m.url}/chat/completions`, 'Say hi.', { key: KEY, bridgeArgs: ['--log-file', logFile], timeout: 60_000 });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toMatch(/^ERROR: upstream 127\.0\.0\.1:\d+ answered 404: .* — check --upstream: it is the part before \/chat\/completions, usually ending in \/v1/m);
    expect(logLines(logFile).filter((line) => line.startsWith('POST /v1/responses'))).toEqual([expect.stringMatching(/status=400/)]);
    expect(m.requests).toHaveLength(0); // it records chat requests on its own route only
  }, 60_000);

  it('a silent upstream: --upstream-timeout (here from CODEX_BRIDGE_UPSTREAM_TIMEOUT) bounds the wait, and Codex does not wait it out again', async () => {
    const held = new Promise<void>((resolve) => (release = resolve));
    const { sandbox: s, mock: m } = await perTest.setUp({
      turns: async () => {
        await held;
        return { content: 'too late' };
      },
    });
    const started = Date.now();
    const result = await codexExec(s, m.url, 'Say hi.', { key: KEY, env: { CODEX_BRIDGE_UPSTREAM_TIMEOUT: '3s' }, timeout: 60_000 });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toMatch(/^ERROR: upstream 127\.0\.0\.1:\d+ sent no response within 3s \(UND_ERR_HEADERS_TIMEOUT\) — the model may think longer than that: raise --upstream-timeout$/m);
    expect(m.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 60_000);

  it('a stream that goes silent midway: the same limit, one line, no retry', async () => {
    const { sandbox: s, mock: m } = await perTest.setUp({ turns: [{ content: 'the start of an answer, then nothing', contentDeltas: 3, frameDelayMs: 60_000 }] });
    const started = Date.now();
    const result = await codexExec(s, m.url, 'Say hi.', { key: KEY, bridgeArgs: ['--upstream-timeout', '3s'], timeout: 60_000 });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toMatch(/^ERROR: upstream sent nothing for [34]s; gave up — raise --upstream-timeout if the model thinks longer$/m);
    expect(m.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 60_000);

  it(`a persistent 503: ${MAX_FAILED_ATTEMPTS_PER_TURN} upstream attempts for the turn, Codex's retries included, then one line`, async () => {
    const { sandbox: s, mock: m } = await perTest.setUp({ turns: [{ status: 503 }] });
    const started = Date.now();
    const result = await codexExec(s, m.url, 'Say hi.', { key: KEY, timeout: 100_000 });
    expect(result.exitCode, result.all).toBe(1);
    expect(m.requests).toHaveLength(MAX_FAILED_ATTEMPTS_PER_TURN);
    expect(result.stderr).toMatch(new RegExp(`^ERROR: upstream 127\\.0\\.0\\.1:\\d+ answered 503: .* — ${MAX_FAILED_ATTEMPTS_PER_TURN} attempts failed in this turn; try again later, or run codex-bridge doctor$`, 'm'));
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 120_000);
});
