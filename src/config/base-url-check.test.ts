import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { adviseBaseUrl, baseUrlFix, fetchModelsProbe, type ModelsAnswer } from './base-url-check.js';

/** A probe that knows which bases answer how; it records what it was asked. */
function probeOf(answers: Record<string, ModelsAnswer>) {
  const asked: string[] = [];
  return {
    asked,
    probe: async (base: string) => {
      asked.push(base);
      return answers[base] ?? {};
    },
  };
}

const list = { status: 200, listed: true };

describe('adviseBaseUrl', () => {
  it('/chat/completions appended: says so, and suggests the base once it answered', async () => {
    const { probe } = probeOf({ 'http://h:1/v1': list });
    expect(await adviseBaseUrl('http://h:1/v1/chat/completions', probe)).toEqual({ problem: 'ends in /chat/completions, which the bridge adds itself', suggestion: 'http://h:1/v1' });
    // The base wants a key: it is there all the same.
    expect(await adviseBaseUrl('https://api.x/v1/chat/completions/', probeOf({ 'https://api.x/v1': { status: 401 } }).probe)).toMatchObject({ suggestion: 'https://api.x/v1' });
    // Nothing answered: the problem, but no guess.
    expect(await adviseBaseUrl('http://h:1/v1/chat/completions', probeOf({}).probe)).toEqual({ problem: 'ends in /chat/completions, which the bridge adds itself' });
  });

  it('no /v1: suggests it only when the URL itself has nothing and /v1 answers', async () => {
    const ollama = probeOf({ 'http://127.0.0.1:11434': { status: 404, listed: false }, 'http://127.0.0.1:11434/v1': list });
    expect(await adviseBaseUrl('http://127.0.0.1:11434/', ollama.probe)).toEqual({
      problem: 'answers 404 to GET /models, and http://127.0.0.1:11434/v1 answers',
      suggestion: 'http://127.0.0.1:11434/v1',
    });
    // A 200 page that is not a model list counts as nothing.
    expect(await adviseBaseUrl('http://h', probeOf({ 'http://h': { status: 200, listed: false }, 'http://h/v1': list }).probe)).toMatchObject({ suggestion: 'http://h/v1' });
    // DeepSeek answers without /v1 too: nothing to say.
    expect(await adviseBaseUrl('https://api.deepseek.com', probeOf({ 'https://api.deepseek.com': list, 'https://api.deepseek.com/v1': list }).probe)).toBeUndefined();
    // /v1 does not answer either (a server without GET /models): no guess.
    expect(await adviseBaseUrl('http://h', probeOf({ 'http://h': { status: 404 }, 'http://h/v1': { status: 404 } }).probe)).toBeUndefined();
    // Nothing reachable at all.
    expect(await adviseBaseUrl('http://h', probeOf({}).probe)).toBeUndefined();
  });

  it('leaves versioned paths alone without asking, and uses what the caller already knows', async () => {
    const versioned = probeOf({});
    for (const url of ['https://api.deepseek.com/v1', 'https://open.bigmodel.cn/api/paas/v4', 'https://openrouter.ai/api/v1/']) {
      expect(await adviseBaseUrl(url, versioned.probe)).toBeUndefined();
    }
    expect(versioned.asked).toEqual([]);
    const known = probeOf({ 'http://h/v1': list });
    expect(await adviseBaseUrl('http://h', known.probe, { status: 404 })).toMatchObject({ suggestion: 'http://h/v1' });
    expect(known.asked).toEqual(['http://h/v1']);
  });
});

describe('baseUrlFix', () => {
  it('a command to copy', () => {
    expect(baseUrlFix({ problem: 'p', suggestion: 'http://h/v1' }, 'config')).toBe('did you mean http://h/v1? codex-bridge config set upstream http://h/v1');
    expect(baseUrlFix({ problem: 'p', suggestion: 'http://h/v1' }, 'flag')).toBe('did you mean http://h/v1? pass --upstream http://h/v1 (or codex-bridge config set upstream http://h/v1)');
    expect(baseUrlFix({ problem: 'p' }, 'flag')).toMatch(/^drop \/chat\/completions/);
  });
});

describe('fetchModelsProbe', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('reports the status and whether a model list came back; nothing for a dead port', async () => {
    server = createServer((req, res) => {
      if (req.url === '/v1/models') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[{"id":"m"}]}');
      res.writeHead(404).end('404 page not found');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const probe = fetchModelsProbe(2_000);
    expect(await probe(`${base}/v1`)).toEqual({ status: 200, listed: true });
    expect(await probe(base)).toEqual({ status: 404, listed: false });
    expect(await probe('http://127.0.0.1:9')).toEqual({});
  });
});
