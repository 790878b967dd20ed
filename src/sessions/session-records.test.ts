import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  applyCaps,
  compactSlice,
  cwdFromRequest,
  mergeRecord,
  publicRecord,
  shownId,
  titleFromInput,
  upstreamHostOf,
  usageFromResponses,
  type SessionDelta,
  type SessionRecord,
} from './session-records.js';
import { parseSessionsFile, serializeSessionsFile } from './sessions-file-format.js';

interface Captured {
  headers: Record<string, string>;
  body: { input: unknown[] };
}
const fixture = (name: string): Captured[] =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/codex-0.169/${name}.json`, import.meta.url), 'utf8')) as Captured[];

const delta = (overrides: Partial<SessionDelta> = {}): SessionDelta => ({
  id: 's1',
  title: 'fix the test',
  model: 'm1',
  upstream: 'api.example.com',
  cwd: '/work',
  firstAt: Date.parse('2026-01-01T10:00:00Z'),
  lastAt: Date.parse('2026-01-01T10:05:00Z'),
  requests: 2,
  usage: { inputTokens: 100, outputTokens: 10, cachedTokens: 50, reasoningTokens: 3 },
  ...overrides,
});

const record = (id: string, updatedAt: string, extra: Partial<SessionRecord> = {}): SessionRecord => ({
  id,
  client: 'api',
  title: `title ${id}`,
  model: 'm',
  upstream: 'h',
  cwd: null,
  createdAt: updatedAt,
  updatedAt,
  requests: 1,
  usage: { inputTokens: 1, outputTokens: 1, cachedTokens: 0, reasoningTokens: 0 },
  buckets: [],
  ...extra,
});

describe('what a Codex request says about its session', () => {
  it('titles the session with the first real prompt, not the environment_context', () => {
    expect(titleFromInput(fixture('turn1-plain-prompt')[0].body.input)).toBe('say hi');
    expect(titleFromInput(fixture('apply-patch-custom-tool')[1].body.input)).toBe('make file');
  });

  it('skips the <image> wrapper parts of an image prompt', () => {
    expect(titleFromInput(fixture('image-input')[0].body.input)).toBe('look');
  });

  it('titles a sub-agent thread with its own task', () => {
    const child = fixture('sub-agents').find((request) => request.headers['x-openai-subagent'] !== undefined || request.headers['x-codex-parent-thread-id']);
    expect(child).toBeDefined();
    expect(titleFromInput(child!.body.input)).toBe('child task: say hello');
  });

  it('keeps a user prompt that merely contains HTML, trims, and caps the length', () => {
    expect(titleFromInput([{ role: 'user', content: '  <div>hi</div>  ' }])).toBe('<div>hi</div>');
    expect(titleFromInput([{ role: 'user', content: [{ type: 'input_text', text: '# AGENTS.md instructions for /x\n\n<INSTRUCTIONS>…</INSTRUCTIONS>' }] }, { role: 'user', content: 'go' }])).toBe('go');
    expect(titleFromInput([{ role: 'user', content: 'x'.repeat(2_000) }])).toHaveLength(500);
    expect(titleFromInput([{ type: 'function_call_output', call_id: 'c', output: 'o' }])).toBe('');
  });

  it('takes the cwd from the environment_context, else the turn metadata', () => {
    const [request] = fixture('turn1-plain-prompt');
    expect(cwdFromRequest(request.headers, request.body.input)).toBe('/home/dev/project');
    expect(cwdFromRequest({ 'x-codex-turn-metadata': JSON.stringify({ workspaces: { '/srv/app': {} } }) }, [])).toBe('/srv/app');
    expect(cwdFromRequest({ 'x-codex-turn-metadata': 'not json' }, [])).toBeNull();
  });

  it('keeps only the host of the upstream', () => {
    expect(upstreamHostOf('https://user:secret@api.example.com:8443/v1?key=sk-1')).toBe('api.example.com:8443');
    expect(upstreamHostOf('api.example.com')).toBe('api.example.com');
  });

  it('reads Responses usage, ignoring junk', () => {
    expect(
      usageFromResponses({ input_tokens: 10, output_tokens: 4, total_tokens: 14, input_tokens_details: { cached_tokens: 6 }, output_tokens_details: { reasoning_tokens: 2 } }),
    ).toEqual({ inputTokens: 10, outputTokens: 4, cachedTokens: 6, reasoningTokens: 2 });
    expect(usageFromResponses({ input_tokens: -3, output_tokens: 'x' })).toEqual({ inputTokens: 0, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0 });
  });
});

describe('merging a delta into the file', () => {
  it('creates the record from the delta', () => {
    expect(mergeRecord(undefined, delta(), undefined)).toEqual({
      id: 's1',
      client: 'api',
      title: 'fix the test',
      model: 'm1',
      upstream: 'api.example.com',
      cwd: '/work',
      createdAt: '2026-01-01T10:00:00.000Z',
      updatedAt: '2026-01-01T10:05:00.000Z',
      requests: 2,
      usage: { inputTokens: 100, outputTokens: 10, cachedTokens: 50, reasoningTokens: 3 },
      buckets: [],
    });
  });

  it('adds counts and usage, keeps the first title and cwd, takes the newer model', () => {
    const first = mergeRecord(undefined, delta(), undefined);
    const merged = mergeRecord(first, delta({ title: 'later', cwd: '/else', model: 'm2', firstAt: Date.parse('2026-01-01T11:00:00Z'), lastAt: Date.parse('2026-01-01T11:00:00Z'), requests: 1 }), undefined);
    expect(merged).toMatchObject({
      title: 'fix the test',
      cwd: '/work',
      model: 'm2',
      createdAt: '2026-01-01T10:00:00.000Z',
      updatedAt: '2026-01-01T11:00:00.000Z',
      requests: 3,
      usage: { inputTokens: 200, outputTokens: 20, cachedTokens: 100, reasoningTokens: 6 },
    });
  });

  it('an older delta (another process that was slower to write) does not move the model back', () => {
    const newer = mergeRecord(undefined, delta({ model: 'new', firstAt: Date.parse('2026-01-02T00:00:00Z'), lastAt: Date.parse('2026-01-02T00:00:00Z') }), undefined);
    const merged = mergeRecord(newer, delta({ model: 'old' }), undefined);
    expect(merged.model).toBe('new');
    expect(merged.createdAt).toBe('2026-01-01T10:00:00.000Z');
    expect(merged.updatedAt).toBe('2026-01-02T00:00:00.000Z');
  });

  it('unions SessionStore slices, this process winning on the same id', () => {
    const theirs = { responses: [{ id: 'r1', conversation: 's1', items: [{ type: 'message', role: 'user', content: 'old' }] }], reasoning: { a: '1', b: '2' } };
    const mine = { responses: [{ id: 'r1', conversation: 's1', items: [] }, { id: 'r2', conversation: 's1', parentId: 'r1', items: [] }], reasoning: { b: 'mine' } };
    const merged = mergeRecord(mergeRecord(undefined, delta(), theirs), delta(), mine);
    expect(merged.store).toEqual({ responses: [...mine.responses], reasoning: { a: '1', b: 'mine' } });
  });
});

describe('compacting a SessionStore slice', () => {
  it('keeps previous_response_id chains whole and only the newest standalone responses', () => {
    const slice = {
      responses: [
        { id: 'a1', conversation: 's', items: [] },
        { id: 'a2', conversation: 's', items: [] },
        { id: 'root', conversation: 's', items: [] },
        { id: 'child', conversation: 's', parentId: 'root', items: [] },
        { id: 'a3', conversation: 's', items: [] },
        { id: 'a4', conversation: 's', items: [] },
      ],
      reasoning: { k: 'v' },
    };
    expect(compactSlice(slice).responses.map((r) => r.id)).toEqual(['root', 'child', 'a3', 'a4']);
  });
});

describe('caps', () => {
  it('keeps the newest N sessions', () => {
    const sessions = Array.from({ length: 5 }, (_, i) => record(`s${i}`, `2026-01-0${i + 1}T00:00:00.000Z`));
    expect(applyCaps(sessions, { maxSessions: 3, maxBytes: 1e9 }).map((s) => s.id)).toEqual(['s4', 's3', 's2']);
  });

  it('over the size budget, drops the oldest SessionStore data first, then whole sessions', () => {
    const big = (id: string, day: number) =>
      record(id, `2026-01-0${day}T00:00:00.000Z`, { store: { responses: [{ id: `r-${id}`, conversation: id, items: [{ type: 'message', role: 'user', content: 'x'.repeat(10_000) }] }], reasoning: {} } });
    const sessions = [big('old', 1), big('mid', 2), big('new', 3)];
    const size = (list: SessionRecord[]) => Buffer.byteLength(serializeSessionsFile({ version: 1, sessions: list }));

    const trimmed = applyCaps(sessions, { maxSessions: 10, maxBytes: 25_000 });
    expect(trimmed.map((s) => [s.id, s.store !== undefined])).toEqual([
      ['new', true],
      ['mid', true],
      ['old', false],
    ]);
    expect(size(trimmed)).toBeLessThanOrEqual(25_000);

    const tight = applyCaps(sessions, { maxSessions: 10, maxBytes: 600 });
    expect(tight.every((s) => s.store === undefined)).toBe(true);
    expect(tight.length).toBeLessThan(3);
    expect(tight[0].id).toBe('new');
    expect(size(tight)).toBeLessThanOrEqual(600);
  });
});

describe('the file format', () => {
  it('round-trips, one session per line, newest first', () => {
    const data = { version: 1, writeId: 'w1', sessions: [record('a', '2026-01-01T00:00:00.000Z'), record('b', '2026-02-01T00:00:00.000Z')] };
    const text = serializeSessionsFile(data);
    expect(text.split('\n')).toHaveLength(5);
    const parsed = parseSessionsFile(text);
    expect(parsed).toEqual({ kind: 'ok', data: { version: 1, writeId: 'w1', sessions: [data.sessions[1], data.sessions[0]] } });
    expect(parseSessionsFile(serializeSessionsFile({ version: 1, sessions: [] }))).toEqual({ kind: 'ok', data: { version: 1, sessions: [] } });
  });

  it('tells corrupt from newer, and drops single bad records', () => {
    expect(parseSessionsFile('{"version":1,"sessions":[').kind).toBe('corrupt');
    expect(parseSessionsFile('[]').kind).toBe('corrupt');
    expect(parseSessionsFile('{"sessions":[]}').kind).toBe('corrupt');
    expect(parseSessionsFile('{"version":1}').kind).toBe('corrupt');
    expect(parseSessionsFile('{"version":3,"whatever":true}')).toEqual({ kind: 'newer', version: 3 });
    const parsed = parseSessionsFile(JSON.stringify({ version: 1, sessions: [null, { id: 7 }, { id: 'ok', requests: 'x', usage: { inputTokens: 5 } }] }));
    expect(parsed.kind === 'ok' && parsed.data.sessions).toEqual([
      expect.objectContaining({ id: 'ok', requests: 0, usage: { inputTokens: 5, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0 } }),
    ]);
  });
});

describe("a gateway client's session", () => {
  it('is kept under its client, shown by its own id, and keeps its client through merges and the file', () => {
    const created = mergeRecord(undefined, delta({ id: 'alice/thread-1', clientName: 'alice' }), undefined);
    expect(created).toMatchObject({ id: 'alice/thread-1', clientName: 'alice' });
    const merged = mergeRecord(created, delta({ id: 'alice/thread-1', clientName: 'alice', requests: 1 }), undefined);
    expect(merged).toMatchObject({ clientName: 'alice', requests: 3 });
    expect(shownId(merged)).toBe('thread-1');
    expect(publicRecord(merged)).toMatchObject({ id: 'thread-1', clientName: 'alice' });
    expect(parseSessionsFile(serializeSessionsFile({ version: 2, sessions: [merged] }))).toMatchObject({ kind: 'ok', data: { sessions: [{ id: 'alice/thread-1', clientName: 'alice' }] } });
    // Without a client, nothing changes: no name, the id as it is (even one with a slash).
    const plain = mergeRecord(undefined, delta({ id: 'team/thread' }), undefined);
    expect(plain).not.toHaveProperty('clientName');
    expect(shownId(plain)).toBe('team/thread');
    expect(publicRecord(plain)).not.toHaveProperty('clientName');
  });
});
