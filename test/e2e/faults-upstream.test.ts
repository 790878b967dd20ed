import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sseFrame, type MockTurn } from '../helpers/mock-upstream.js';
import { ensureBuilt } from './ensure-built.js';
import { codexExec, refusals, shell, toolOutputs, toolResults } from './fault-helpers.js';
import { sandboxAndMockPerTest } from './sandbox.js';

// The real Codex through `codex-bridge run` while the upstream misbehaves: each fault either
// heals (the bridge or Codex retries, and the task finishes) or ends with a message that says what
// went wrong. No fault may make Codex run a tool call the model did not finish sending.

const KEY = 'sk-mock-upstream-key-faults-0123456789';

const perTest = sandboxAndMockPerTest(KEY);
beforeAll(ensureBuilt, 120_000);

/** The turns of a conversation that first hits `fault` once, then goes normally. */
function faultOnce(fault: MockTurn, answer: string): (req: unknown, index: number) => MockTurn {
  return (_req, index) => (index === 0 ? fault : { content: answer });
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => sseFrame({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });

describe('real Codex through run: upstream faults that heal', () => {
  it('a 429 with Retry-After: 1 is waited out by the bridge, and Codex finishes the task', async () => {
    const { sandbox: s, mock: m } = await perTest.setUp({ turns: faultOnce({ status: 429, headers: { 'retry-after': '1' } }, 'RATE-LIMIT-HEALED-3a1') });
    const started = Date.now();
    const result = await codexExec(s, m.url, 'Say hi.', { key: KEY });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain('RATE-LIMIT-HEALED-3a1');
    expect(m.requests.map((r) => r.status)).toEqual([429, 200]);
    // The second attempt came after the Retry-After second, not before.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(refusals(m)).toEqual([]);
    expect(s.leftovers()).toEqual([]);
  }, 120_000);

  it.each([500, 502, 503])('a single %i is retried, and Codex finishes the task', async (status) => {
    const { sandbox: s, mock: m } = await perTest.setUp({ turns: faultOnce({ status }, `SERVER-ERROR-HEALED-${status}`) });
    const result = await codexExec(s, m.url, 'Say hi.', { key: KEY });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain(`SERVER-ERROR-HEALED-${status}`);
    expect(m.requests.map((r) => r.status)).toEqual([status, 200]);
  }, 120_000);

  it('a stream cut mid-text ends in response.failed; Codex retries and finishes', async () => {
    const { sandbox: s, mock: m } = await perTest.setUp({
      turns: faultOnce({ content: 'The answer is being writ… and the connection drops here', contentDeltas: 6, cutAfterFrames: 3 }, 'CUT-TEXT-HEALED-8b2'),
    });
    const result = await codexExec(s, m.url, 'Say hi.', { key: KEY });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain('CUT-TEXT-HEALED-8b2');
    expect(result.stdout).not.toContain('connection drops here');
    expect(m.requests).toHaveLength(2);
    expect(refusals(m)).toEqual([]);
  }, 120_000);

  it('a stream cut inside a tool call\'s arguments: no call of that response is run; Codex retries and finishes', async () => {
    // The first call is complete and valid; the second is cut off mid-arguments. Running either
    // would leave a marker file. The retried turn runs a harmless command instead.
    const cut: MockTurn = {
      rawFrames: [
        chunk({ role: 'assistant', content: '' }),
        chunk({ tool_calls: [{ index: 0, id: 'call_cut_1', type: 'function', function: { name: 'exec_command', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"cmd":"touch first-call-ran"}' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_cut_2', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"touch sec' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: 'ond-call-ran"}' } }] }),
      ],
      cutAfterFrames: 4,
    };
    const { sandbox: s, mock: m } = await perTest.setUp({
      turns: (req, index) => {
        if (index === 0) return cut;
        if (toolResults(req) === 0) return { toolCalls: [shell('echo retried > retried.txt')] };
        return { content: 'CUT-CALL-HEALED-4c7' };
      },
    });
    const result = await codexExec(s, m.url, 'Write a file.', { key: KEY });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain('CUT-CALL-HEALED-4c7');
    expect(existsSync(path.join(s.cwd, 'first-call-ran'))).toBe(false);
    expect(existsSync(path.join(s.cwd, 'second-call-ran'))).toBe(false);
    expect(readFileSync(path.join(s.cwd, 'retried.txt'), 'utf8')).toBe('retried\n');
    // The history Codex sent afterwards has only the retried call in it.
    const last = m.requests.at(-1)!.body;
    expect(toolResults(last)).toBe(1);
    expect(JSON.stringify(last.messages)).not.toContain('call_cut_');
    expect(toolOutputs(last).join('\n')).not.toContain('first-call-ran');
    expect(refusals(m)).toEqual([]);
  }, 120_000);
});

describe('real Codex through run: upstream faults that do not heal', () => {
  it('a persistent 429: bounded retries on both sides, then a message that says the upstream is rate-limiting', async () => {
    const { sandbox: s, mock: m } = await perTest.setUp({ turns: [{ status: 429, headers: { 'retry-after': '0' } }] });
    const started = Date.now();
    const result = await codexExec(s, m.url, 'Say hi.', { key: KEY, timeout: 100_000 });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toMatch(/exceeded retry limit, last status: 429 Too Many Requests/);
    // Bounded: the bridge tries 1 + 3 times per Codex attempt, and Codex gives up after its own
    // 5 retries (stream_max_retries) instead of looping.
    expect(m.requests.length).toBeGreaterThanOrEqual(4);
    expect(m.requests.length).toBeLessThanOrEqual(4 * 6);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(s.leftovers()).toEqual([]);
  }, 120_000);

  it('a refused connection: a message naming the upstream, the reason and the fix, without retries on either side', async () => {
    const s = perTest.sandbox();
    const started = Date.now();
    const result = await codexExec(s, 'http://127.0.0.1:9/v1', 'Say hi.', { key: KEY, timeout: 100_000 });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toMatch(/^ERROR: cannot reach upstream 127\.0\.0\.1:9: connection refused \(ECONNREFUSED\) — nothing listens on 127\.0\.0\.1:9: check --upstream, or start the server$/m);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.all).not.toContain(KEY);
    expect(s.leftovers()).toEqual([]);
  }, 120_000);
});
