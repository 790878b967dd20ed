import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { SessionStore } from '../state/session-store.js';
import type { ResponseRecord } from './response-record.js';
import { JsonFileBackend } from './json-file-backend.js';
import { openSessionRecorder } from './session-recorder.js';
import { costOf } from './session-usage.js';

// A request is priced at the hour it was made (src/pricing/price-request.ts), not when the recorder
// gets to it: the same request costs half during DeepSeek's night discount (16:30–00:30 UTC).

const tempDir = tempDirsPerTest('cb-recorder-price-');

const record = (conversation: string): ResponseRecord => ({
  responseId: `resp_${conversation}`,
  conversation,
  model: 'deepseek-chat',
  status: 'completed',
  httpStatus: 200,
  usage: { input_tokens: 1_000_000, output_tokens: 1_000_000, total_tokens: 2_000_000, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
  inputItems: [{ type: 'message', role: 'user', content: `hello ${conversation}` }],
  headers: {},
});

describe('the recorder prices each request at its own hour', () => {
  it('a request made at night costs half of the same one made by day', async () => {
    const home = path.join(tempDir(), 'home');
    let now = Date.parse('2026-11-20T03:00:00Z');
    const recorder = await openSessionRecorder({
      home,
      upstreamHost: 'api.deepseek.com',
      upstreamSetting: { upstreamUrl: 'https://api.deepseek.com/v1' },
      store: new SessionStore(),
      warn: () => {},
      now: () => now,
    });
    recorder.onResponse(record('by-day'));
    now = Date.parse('2026-11-20T17:00:00Z');
    recorder.onResponse(record('at-night'));
    await recorder.close();
    const sessions = await new JsonFileBackend(recorder.path).list();
    const cost = (id: string) => costOf(sessions.find((session) => session.id === id)!.buckets).costUsd!;
    expect(cost('by-day')).toBeGreaterThan(0);
    expect(cost('at-night')).toBeCloseTo(cost('by-day') / 2, 10);
  });
});
