import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../src/translate/types.js';
import type { MockRules, MockTurn, MockUpstream } from '../helpers/mock-upstream.js';
import { providerMock } from '../providers/provider-mocks.js';
import { ensureBuilt } from './ensure-built.js';
import { codexExec, messageText, refusals, shell, toolResults } from './fault-helpers.js';
import { sandboxAndMockPerTest, type Sandbox } from './sandbox.js';

// The real Codex CLI through `codex-bridge run`, with no --provider and no --quirk, against upstreams
// that answer the way real providers do (and refuse what they refuse): a two-step tool loop must
// complete, show the reasoning, and have nothing refused.

const KEY = 'sk-mock-shapes-key-0123456789';
const perTest = sandboxAndMockPerTest(KEY);
beforeAll(ensureBuilt, 120_000);

const PROMPT = 'FIRST-PROMPT: write a note.';
const mentions = (req: ChatRequest, marker: string) => req.messages.some((m) => m.role === 'user' && messageText(m).includes(marker));

/** A tool call that writes note.txt, then an answer; a resumed conversation gets its own answer. */
const toolLoop = (req: ChatRequest): MockTurn => {
  if (mentions(req, 'SECOND-PROMPT')) return { reasoning: 'REASONING-RESUMED: the note is there.', content: 'RESUMED-ANSWER-61c' };
  if (toolResults(req) === 0) return { reasoning: 'REASONING-STEP-1: write the note first.', toolCalls: [shell('echo hello > note.txt')] };
  return { reasoning: 'REASONING-STEP-2: the note is written.', content: 'FINAL-ANSWER-3e7' };
};

async function runToolLoop(rules: MockRules) {
  const { sandbox, mock } = await perTest.setUp({ rules, turns: toolLoop });
  const logFile = path.join(sandbox.root, 'bridge.log');
  const result = await codexExec(sandbox, mock.url, PROMPT, { key: KEY, bridgeArgs: ['--log-file', logFile] });
  expect(result.exitCode, result.all).toBe(0);
  expect(result.stdout).toContain('FINAL-ANSWER-3e7');
  expect(readFileSync(path.join(sandbox.cwd, 'note.txt'), 'utf8')).toBe('hello\n');
  // The reasoning is shown (Codex prints it on stderr), both steps of it.
  expect(result.stderr).toContain('REASONING-STEP-1: write the note first.');
  expect(result.stderr).toContain('REASONING-STEP-2: the note is written.');
  // No profile was used: this is the bridge working out the upstream by itself.
  expect(readFileSync(logFile, 'utf8')).toContain('quirks: defaults (no provider profile matches this upstream)');
  return { sandbox, mock, result, logFile };
}

/** The assistant messages of the last request of the first run (the one after the tool call). */
const replayedAssistant = (mock: MockUpstream) => mock.requests.filter((r) => !r.rejection && toolResults(r.body) === 1).at(-1)!.body.messages.find((m) => m.role === 'assistant') as Record<string, any>;

describe('codex exec against real providers\' shapes, with no profile (real Codex)', () => {
  it('Gemini 3: thought signatures go back on their call, also after codex exec resume in a new bridge', async () => {
    const rules: MockRules = { ...providerMock('gemini').rules, reasoningField: 'reasoning_content' };
    const { sandbox, mock } = await runToolLoop(rules);
    expect(refusals(mock)).toEqual([]);
    expect(replayedAssistant(mock).tool_calls[0].extra_content.google.thought_signature).toMatch(/^mock-ts:/);
    // A new bridge process: the signature comes back from what Codex replays, not from memory.
    const resumed = await codexExec(sandbox, mock.url, 'SECOND-PROMPT: and now?', { key: KEY, codexArgs: ['resume', '--last'] });
    expect(resumed.exitCode, resumed.all).toBe(0);
    expect(resumed.stdout).toContain('RESUMED-ANSWER-61c');
    expect(refusals(mock)).toEqual([]);
    const resume = mock.requests.find((r) => mentions(r.body, 'SECOND-PROMPT'))!.body;
    const calls = resume.messages.flatMap((m) => (m.role === 'assistant' ? (m.tool_calls ?? []) : []));
    expect(calls.map((c) => (c.extra_content as any)?.google?.thought_signature)).toEqual([expect.stringMatching(/^mock-ts:/)]);
  }, 240_000);

  it('OpenRouter in front of Claude: reasoning only in reasoning_details, the signed block back unchanged', async () => {
    const { mock } = await runToolLoop({ reasoningField: 'reasoning-details', reasoning: 'anthropic' });
    expect(refusals(mock)).toEqual([]);
    expect(replayedAssistant(mock).reasoning_details).toEqual([expect.objectContaining({ type: 'reasoning.text', text: 'REASONING-STEP-1: write the note first.', signature: expect.stringMatching(/^mock-sig:/) })]);
  }, 120_000);

  it('a model served without a reasoning parser behind a template with one leading system message: <think> is reasoning, the shape is learnt once', async () => {
    const { mock, logFile } = await runToolLoop({ reasoningField: 'think-tags', singleLeadingSystem: true });
    // Codex sends several developer messages: the template refuses the first request once, the
    // bridge merges them, and nothing is refused after that.
    expect(refusals(mock)).toEqual([expect.stringMatching(/^400: System message must be at the beginning/)]);
    expect(mock.requests[0].rejection).toBeDefined();
    expect(mock.requests.slice(1).every((r) => r.status === 200)).toBe(true);
    expect(readFileSync(logFile, 'utf8')).toContain("refused the conversation's shape (HTTP 400); retrying as single-system");
    expect(replayedAssistant(mock)).toMatchObject({ content: null, reasoning_content: 'REASONING-STEP-1: write the note first.' });
  }, 120_000);

  it("Kimi's rules, and no [DONE]: reasoning_content back on every assistant message", async () => {
    const { mock } = await runToolLoop({ ...providerMock('kimi').rules, omitDone: true });
    expect(refusals(mock)).toEqual([]);
    expect(replayedAssistant(mock).reasoning_content).toBe('REASONING-STEP-1: write the note first.');
  }, 120_000);

  it('an answer cut by the output limit: Codex shows what arrived and says why it stopped, without retrying', async () => {
    const { sandbox, mock } = await perTest.setUp({ turns: [{ reasoning: 'REASONING-CUT.', content: 'PARTIAL-ANSWER-9d2 cut', finishReason: 'length' }] });
    const result = await codexExec(sandbox as Sandbox, mock.url, PROMPT, { key: KEY });
    // response.incomplete with max_output_tokens: Codex 0.171 prints the partial answer and the
    // reason, exits 1, and does not send the request again.
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain('PARTIAL-ANSWER-9d2 cut');
    expect(result.stderr).toContain('REASONING-CUT.');
    expect(result.stderr).toContain('Incomplete response returned, reason: max_output_tokens');
    expect(mock.requests).toHaveLength(1);
    expect(existsSync(path.join(sandbox.cwd, 'note.txt'))).toBe(false);
  }, 120_000);
});
