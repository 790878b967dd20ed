import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { foldTitleRecords, requestRole, titleMatches, titleRequestPrompt } from './codex-requests.js';
import type { SessionRecord } from './session-records.js';

interface Captured {
  headers: Record<string, string>;
  body: { input: unknown[] };
}
const fixture = (version: string, name: string): Captured[] =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/codex-${version}/${name}.json`, import.meta.url), 'utf8')) as Captured[];
const roleOf = (request: Captured) => requestRole(request.headers, request.body.input, request.headers['thread-id'] ?? 'resp_x');

describe("which conversation Codex's requests belong to", () => {
  it("the TUI's title request (0.171): its own thread, quoting the conversation's first prompt", () => {
    const [first, title, second] = fixture('0.171', 'tui-two-turns-and-title');
    expect(title.headers['thread-id']).not.toBe(first.headers['thread-id']);
    expect(roleOf(first)).toEqual({ kind: 'conversation' });
    expect(roleOf(second)).toEqual({ kind: 'conversation' });
    expect(roleOf(title)).toEqual({ kind: 'title', prompt: 'Fix the failing test in utils' });
    // An older Codex without turn metadata: told by its prompt alone.
    const { 'x-codex-turn-metadata': _dropped, ...bare } = title.headers;
    expect(requestRole(bare, title.body.input, bare['thread-id'])).toEqual({ kind: 'title', prompt: 'Fix the failing test in utils' });
  });

  it("a sub-agent's requests go to the root conversation (session-id); compaction stays on its thread", () => {
    const roles = fixture('0.169', 'sub-agents').map(roleOf);
    const root = fixture('0.169', 'sub-agents')[0].headers['thread-id'];
    expect(roles.filter((role) => role.kind === 'subagent')).toEqual([{ kind: 'subagent', root }]);
    expect(roles.filter((role) => role.kind === 'conversation')).toHaveLength(4);
    expect(fixture('0.169', 'local-compaction').map(roleOf)).toEqual([{ kind: 'conversation' }, { kind: 'conversation' }]);
  });

  it('a Responses client (no thread-id) is always a conversation, whatever it says', () => {
    const items = [{ role: 'user', content: 'Generate a concise, single-line task title of at most 36 characters.\nUser prompt:\nhi' }];
    expect(requestRole({}, items, 'resp_1')).toEqual({ kind: 'conversation' });
    expect(titleRequestPrompt([{ role: 'user', content: 'hello' }])).toBeUndefined();
  });

  it('matches a title, cut at 500 characters or not, to the prompt it quotes', () => {
    expect(titleMatches('Fix the  failing test', 'Fix the failing test\n')).toBe(true);
    expect(titleMatches(`${'a'.repeat(499)}…`, 'a'.repeat(800))).toBe(true);
    expect(titleMatches('Fix the failing test', 'Fix the failing tests')).toBe(false);
    expect(titleMatches('', '')).toBe(false);
  });
});

describe('sessions files from codex-bridge 0.1 (v1): title requests recorded as sessions', () => {
  const record = (id: string, title: string, createdAt: string, extra: Partial<SessionRecord> = {}): SessionRecord => ({
    id,
    client: 'codex',
    title,
    model: 'm',
    upstream: 'h',
    cwd: '/work',
    createdAt,
    updatedAt: createdAt,
    requests: 1,
    usage: { inputTokens: 10, outputTokens: 1, cachedTokens: 0, reasoningTokens: 0 },
    buckets: [],
    ...extra,
  });
  const titleOf = (prompt: string) => `Generate a concise, single-line task title of at most 36 characters. Do not answer the request.\n\nUser prompt:\n${prompt}`;

  it('folds each into the conversation it quotes, in its folder, closest in time; keeps one that quotes none', () => {
    const older = record('01a00000-0000-7000-8000-000000000001', 'Fix it', '2026-05-01T08:00:00.000Z');
    const conversation = record('01a00000-0000-7000-8000-000000000002', 'Fix it', '2026-05-01T09:00:05.000Z', { requests: 4 });
    const elsewhere = record('01a00000-0000-7000-8000-000000000003', 'Fix it', '2026-05-01T09:00:04.000Z', { cwd: '/other' });
    const title = record('01a00000-0000-7000-8000-000000000004', titleOf('Fix it'), '2026-05-01T09:00:03.000Z', { updatedAt: '2026-05-01T09:00:03.000Z' });
    const orphan = record('01a00000-0000-7000-8000-000000000005', titleOf('Nothing like it'), '2026-05-01T09:30:00.000Z');
    const folded = foldTitleRecords([older, conversation, elsewhere, title, orphan]);
    expect(folded.map((r) => r.id).sort()).toEqual([older.id, conversation.id, elsewhere.id, orphan.id].sort());
    expect(folded.find((r) => r.id === conversation.id)).toMatchObject({
      title: 'Fix it',
      requests: 5,
      usage: { inputTokens: 20, outputTokens: 2 },
      createdAt: '2026-05-01T09:00:03.000Z',
    });
  });
});
