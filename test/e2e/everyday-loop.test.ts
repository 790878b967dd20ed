import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MockTurn } from '../helpers/mock-upstream.js';
import { ensureBuilt } from './ensure-built.js';
import { messageText } from './fault-helpers.js';
import { runBridge, sandboxAndMockPerTest } from './sandbox.js';

// The loop around a Codex session, with the real Codex (node_modules/.bin/codex) and `codex exec`:
// run prints the command that continues the session; `resume` continues it through the bridge with
// the upstream it recorded, from any folder, as one session whose counts grow; `usage` adds up to
// the sessions; nothing of the runs is left in the temp directory.

const KEY = 'sk-mock-upstream-key-loop-0123456789';
const perTest = sandboxAndMockPerTest(KEY);
beforeAll(ensureBuilt, 120_000);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const lastLine = (text: string) => text.trimEnd().split('\n').at(-1)!;

describe('run, resume and usage with the real Codex (exec)', () => {
  it('run ends with `codex-bridge resume <id>`; resume continues that session from elsewhere; usage sums it', async () => {
    const { sandbox: s, mock: m } = await perTest.setUp({
      turns: (req): MockTurn => {
        const said = (marker: string) => req.messages.some((msg) => msg.role === 'user' && messageText(msg).includes(marker));
        if (said('THIRD-PROMPT')) return { content: 'THIRD-ANSWER-1b7', usage: { prompt_tokens: 300, completion_tokens: 30, cached_tokens: 100 } };
        if (said('SECOND-PROMPT')) return { content: 'SECOND-ANSWER-8e2', usage: { prompt_tokens: 200, completion_tokens: 20, cached_tokens: 50 } };
        return { content: 'FIRST-ANSWER-4c6', usage: { prompt_tokens: 100, completion_tokens: 10 } };
      },
    });
    const tmp = path.join(s.root, 'tmp');
    mkdirSync(tmp);
    const env = s.env({ MOCK_KEY: KEY, TMPDIR: tmp, NO_COLOR: '1' });
    const codexFlags = ['--skip-git-repo-check', '-s', 'danger-full-access'];

    const first = await runBridge(s, ['run', '--upstream', m.url, '--model', 'mock-model', '--api-key-env', 'MOCK_KEY', '--', 'codex', 'exec', ...codexFlags, 'FIRST-PROMPT: say hi'], { env });
    expect(first.exitCode, first.all).toBe(0);
    expect(first.stdout).toContain('FIRST-ANSWER-4c6');
    const printed = /^codex-bridge resume (\S+)$/.exec(lastLine(first.stderr));
    expect(printed, first.stderr).not.toBeNull();
    const id = printed![1];
    expect(id).toMatch(UUID);
    // Codex's own session id, the one `codex exec` reports.
    expect(first.all).toContain(`session id: ${id}`);

    const listed = JSON.parse((await runBridge(s, ['sessions', 'list', '--json'], { env })).stdout) as Array<Record<string, any>>;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id, client: 'codex', upstreamUrl: m.url.replace(/\/+$/, ''), apiKeyEnv: 'MOCK_KEY', model: 'mock-model', cwd: s.cwd });
    const shortId = listed[0].shortId as string;
    const requestsBefore = listed[0].requests as number;

    // From another folder, by the id as the list shows it, with no upstream flags: the recorded ones.
    const elsewhere = path.join(s.root, 'elsewhere');
    mkdirSync(elsewhere);
    const resumed = await runBridge({ ...s, cwd: elsewhere }, ['resume', shortId, 'SECOND-PROMPT: and now?', '--', ...codexFlags], { env });
    expect(resumed.exitCode, resumed.all).toBe(0);
    expect(resumed.stdout).toContain('SECOND-ANSWER-8e2');
    expect(resumed.stderr).toContain(`resuming in ${s.cwd}, where the session ran`);
    expect(lastLine(resumed.stderr)).toBe(`codex-bridge resume ${id}`);
    // The upstream got the whole conversation, the first prompt included.
    const resumeRequest = m.requests.at(-1)!.body;
    expect(resumeRequest.messages.some((msg) => msg.role === 'user' && messageText(msg).includes('FIRST-PROMPT'))).toBe(true);

    // --last in the session's folder.
    const third = await runBridge(s, ['resume', '--last', 'THIRD-PROMPT: once more', '--', ...codexFlags], { env });
    expect(third.exitCode, third.all).toBe(0);
    expect(third.stdout).toContain('THIRD-ANSWER-1b7');

    const after = JSON.parse((await runBridge(s, ['sessions', 'list', '--json'], { env })).stdout) as Array<Record<string, any>>;
    expect(after.map((session) => session.id)).toEqual([id]);
    expect(after[0].requests).toBe(m.requests.length);
    expect(after[0].requests).toBeGreaterThan(requestsBefore);
    // One request per prompt, each with the usage the mock answered.
    expect(m.requests).toHaveLength(3);
    expect(after[0].usage).toEqual({ inputTokens: 600, outputTokens: 60, cachedTokens: 150, reasoningTokens: 0 });
    // A loopback mock has no price: null, never a guess.
    expect(after[0].costUsd).toBeNull();

    for (const by of ['day', 'model', 'session']) {
      const usage = JSON.parse((await runBridge(s, ['usage', '--by', by, '--json'], { env })).stdout);
      expect(usage.total).toMatchObject({ requests: after[0].requests, inputTokens: after[0].usage.inputTokens, cachedTokens: after[0].usage.cachedTokens, costUsd: null });
    }

    // Nothing of the runs is left in the temp directory.
    expect(readdirSync(tmp).filter((name) => name.startsWith('codex-bridge'))).toEqual([]);
    expect(s.leftovers()).toEqual([]);
  }, 240_000);

  it("refuses to resume an API client's session in one line", async () => {
    const { sandbox: s, mock: m } = await perTest.setUp({ turns: [{ content: 'ok' }] });
    const env = s.env({ MOCK_KEY: KEY });
    const script = path.join(s.root, 'client.mjs');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(script, `const r = await fetch(process.env.OPENAI_BASE_URL + '/responses', { method: 'POST', headers: { authorization: 'Bearer ' + process.env.OPENAI_API_KEY, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mock-model', input: 'hello' }) }); console.log(r.status);`);
    const ran = await runBridge(s, ['run', '--upstream', m.url, '--model', 'mock-model', '--api-key-env', 'MOCK_KEY', '--', 'node', script], { env });
    expect(ran.stdout.trim(), ran.all).toBe('200');
    // Not a Codex session: no resume line.
    expect(ran.stderr).not.toContain('codex-bridge resume');
    const [session] = JSON.parse((await runBridge(s, ['sessions', 'list', '--json'], { env })).stdout) as Array<Record<string, any>>;
    expect(session.client).toBe('api');
    const refused = await runBridge(s, ['resume', session.id], { env });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^codex-bridge: session resp_\w+ is an API client's session, not a Codex conversation/);
  }, 120_000);
});
