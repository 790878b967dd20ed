// Every request the real Codex 0.169 was captured sending is translated and served end to end.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { postResponses, bridgeWithMockPerTest } from './bridge-harness.js';

const dir = new URL('../fixtures/codex-0.169/', import.meta.url);
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('model-catalog'));

const FORWARDED = ['thread-id', 'session-id', 'x-codex-turn-metadata', 'originator', 'user-agent', 'accept', 'x-client-request-id'];

describe('captured Codex 0.169 requests', () => {
  const startHarness = bridgeWithMockPerTest();

  it('covers every capture', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(8);
  });

  for (const file of fixtures) {
    it(`${file}: every request completes and the upstream accepts every translation`, async () => {
      const harness = await startHarness({ turns: [{ reasoning: 'thinking', content: 'Hello from the mock.' }] });
      const captured = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Array<{ headers: Record<string, string>; body: unknown }>;
      for (const request of captured) {
        const headers = Object.fromEntries(FORWARDED.filter((h) => request.headers[h]).map((h) => [h, request.headers[h]]));
        const reply = await postResponses(harness.bridge.url, request.body, headers);
        expect(reply.status, reply.text.slice(0, 300)).toBe(200);
        const last = reply.events.at(-1);
        expect(last?.type, JSON.stringify(last).slice(0, 300)).toBe('response.completed');
        expect(last?.response.output.map((i: { type: string }) => i.type)).toEqual(['reasoning', 'message']);
      }
      expect(harness.upstream.requests.map((r) => r.rejection ?? r.status)).toEqual(captured.map(() => 200));
    });
  }
});
