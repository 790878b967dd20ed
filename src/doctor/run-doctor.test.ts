import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream, type MockUpstreamOptions } from '../../test/helpers/mock-upstream.js';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { UsageError } from '../output/usage-error.js';
import { renderText, runDoctor, shouldColor, type DoctorDeps, type DoctorFlags } from './run-doctor.js';

// runDoctor against mock upstreams: exit codes, what each line says, and that the key never shows.

const KEY = 'sk-doctor-right-key-0123456789';
const CANARY = 'sk-canary-DOCTOR-9f8e7d6c5b4a3210';

const tempDir = tempDirsPerTest('cb-doctor-');
let root: string;
let mock: MockUpstream | undefined;
let server: Server | undefined;

beforeEach(() => {
  root = tempDir();
  const bin = path.join(root, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'codex'), `#!${process.execPath}\nconsole.log('codex-cli 0.171.0')\n`);
  chmodSync(path.join(bin, 'codex'), 0o755);
});
afterEach(async () => {
  await mock?.close();
  mock = undefined;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server?.closeAllConnections();
  server = undefined;
});

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: path.join(root, 'bin'), HOME: root, CODEX_HOME: path.join(root, 'codex'), CODEX_BRIDGE_HOME: path.join(root, 'bridge'), ...extra };
}

interface Result {
  code: number;
  out: string;
  progress: string;
}

async function doctor(flags: DoctorFlags, extraEnv: NodeJS.ProcessEnv = {}, deps: DoctorDeps = {}): Promise<Result> {
  let out = '';
  let progress = '';
  const code = await runDoctor(flags, {
    env: env(extraEnv),
    cwd: root,
    out: (text) => (out += text),
    progressStream: { isTTY: false, write: (text: string) => (progress += text) },
    timeoutMs: 3_000,
    probeTimeoutMs: 5_000,
    ...deps,
  });
  return { code, out, progress };
}

async function upstream(options: Partial<MockUpstreamOptions> = {}): Promise<MockUpstream> {
  mock = await startMockUpstream({ turns: [{ content: 'OK' }], apiKey: KEY, models: ['mock-model', 'mock-model-large', 'other'], ...options });
  return mock;
}

const line = (out: string, name: string): string | undefined => out.split('\n').find((text) => text.slice(2).startsWith(`${name} — `));

describe('doctor against a mock upstream', () => {
  it('healthy: every line ✓, exit 0', async () => {
    const { url } = await upstream();
    const host = new URL(url).host;
    const result = await doctor({ upstream: url, model: 'mock-model', apiKeyEnv: 'MOCK_KEY' }, { MOCK_KEY: KEY });
    expect(result.code).toBe(0);
    expect(line(result.out, 'node')).toMatch(/^✓ node — v\d+/);
    expect(line(result.out, 'codex')).toBe(`✓ codex — 0.171.0 (${path.join(root, 'bin', 'codex')})`);
    expect(line(result.out, 'upstream')).toBe(`✓ upstream — ${url} (from the flag)`);
    expect(line(result.out, 'API key')).toBe('✓ API key — $MOCK_KEY is set (name from the flag)');
    expect(line(result.out, 'reachable')).toMatch(new RegExp(`^✓ reachable — 127\\.0\\.0\\.1 port \\d+ in \\d+ ms$`));
    expect(line(result.out, 'key accepted')).toBe('✓ key accepted — GET /models answered 200 listing 3 models');
    expect(line(result.out, 'model')).toBe(`✓ model — mock-model (from the flag) is offered by ${host}`);
    expect(line(result.out, 'CODEX_HOME')).toMatch(/^✓ CODEX_HOME — /);
    expect(line(result.out, 'sessions file')).toMatch(/^✓ sessions file — .*\(none yet\)$/);
    expect(result.out).not.toContain('✗');
    expect(result.out.trimEnd().endsWith('all checks passed')).toBe(true);
    expect(result.out).not.toContain(KEY);
    // No terminal: no colour, no progress line.
    expect(result.out).not.toContain('\u001b[');
    expect(result.progress).toBe('');
  });

  it('wrong key: exit 1, names the 401 and the variable, never the key', async () => {
    const { url } = await upstream();
    const flags = { upstream: url, model: 'mock-model', apiKeyEnv: 'MOCK_KEY' };
    const result = await doctor(flags, { MOCK_KEY: CANARY });
    expect(result.code).toBe(1);
    expect(line(result.out, 'key accepted')).toBe('✗ key accepted — the key in $MOCK_KEY was rejected (401)');
    expect(result.out).toContain(`  fix: check that $MOCK_KEY holds a valid key for ${new URL(url).host}`);
    const json = await doctor({ ...flags, json: true }, { MOCK_KEY: CANARY });
    const probe = await doctor({ ...flags, probe: true }, { MOCK_KEY: CANARY });
    for (const text of [result.out, json.out, probe.out]) {
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain(CANARY.slice(0, 10));
      expect(text).not.toContain(CANARY.slice(-8));
    }
    expect(JSON.parse(json.out).checks.find((c: { name: string }) => c.name === 'key accepted')).toEqual({
      name: 'key accepted',
      ok: false,
      level: 'fail',
      detail: 'the key in $MOCK_KEY was rejected (401)',
      fix: expect.stringContaining('$MOCK_KEY'),
    });
  });

  it('unknown model: exit 1, names it and suggests the close ones', async () => {
    const { url } = await upstream();
    const result = await doctor({ upstream: url, model: 'mock-modle', apiKeyEnv: 'MOCK_KEY' }, { MOCK_KEY: KEY });
    expect(result.code).toBe(1);
    expect(line(result.out, 'model')).toBe(`✗ model — mock-modle (from the flag) is not among the 3 models ${new URL(url).host} lists`);
    expect(result.out).toContain('  fix: did you mean mock-model or mock-model-large? pass --model mock-model (or codex-bridge config set model mock-model)');
  });

  it('a model the upstream does not list: information, not a failure', async () => {
    const { url } = await upstream({ models: undefined });
    const result = await doctor({ upstream: url, model: 'mock-model', apiKeyEnv: 'MOCK_KEY' }, { MOCK_KEY: KEY });
    expect(result.code).toBe(0);
    expect(line(result.out, 'key accepted')).toMatch(/^· key accepted — .* does not offer GET \/models \(404\), so the key was not checked$/);
    expect(result.out).toContain('  fix: run codex-bridge doctor --probe to check it with a 1-token chat request');
    expect(line(result.out, 'model')).toMatch(/^· model — mock-model \(from the flag\); not checked/);
  });

  it('refused connection: exit 1 with the reason, nothing else tried on the network', async () => {
    const result = await doctor({ upstream: 'http://127.0.0.1:9/v1', model: 'm' });
    expect(result.code).toBe(1);
    expect(line(result.out, 'reachable')).toBe('✗ reachable — TCP connection to 127.0.0.1:9 refused (ECONNREFUSED)');
    expect(line(result.out, 'key accepted') ?? line(result.out, 'upstream answers')).toBeUndefined();
    // Which model run would use, and from where, all the same.
    expect(line(result.out, 'model')).toBe('· model — m (from the flag); not checked: 127.0.0.1:9 cannot be reached');
    const preset = await doctor({ provider: 'ollama', upstream: 'http://127.0.0.1:9/v1' });
    expect(line(preset.out, 'model')).toBe('· model — gpt-oss:20b (from the preset); not checked: 127.0.0.1:9 cannot be reached');
  });

  it('a base URL without /v1: the upstream line fails with "did you mean …/v1" (checked first), exit 1, and --probe blames nothing else', async () => {
    const port = await fakeUpstream((request, _body, res) => {
      if (request.url === '/v1/models') return json(res, 200, { data: [{ id: 'm' }] });
      res.writeHead(404).end('404 page not found');
    });
    const base = `http://127.0.0.1:${port}`;
    const result = await doctor({ upstream: base, model: 'm', probe: true });
    expect(result.code).toBe(1);
    expect(line(result.out, 'upstream')).toBe(`✗ upstream — ${base} answers 404 to GET /models, and ${base}/v1 answers`);
    expect(result.out).toContain(`  fix: did you mean ${base}/v1? pass --upstream ${base}/v1 (or codex-bridge config set upstream ${base}/v1)`);
    expect(line(result.out, 'model')).toBe('· model — m (from the flag); not checked: the upstream URL is wrong');
    expect(line(result.out, 'chat')).toBeUndefined();
    expect(result.out.match(/^✗/gm)).toHaveLength(1);
  });

  it('a base URL with /chat/completions appended: "did you mean" the part before it, exit 1', async () => {
    const { url } = await upstream();
    const result = await doctor({ upstream: `${url}/chat/completions`, model: 'mock-model', apiKeyEnv: 'MOCK_KEY' }, { MOCK_KEY: KEY });
    expect(result.code).toBe(1);
    expect(line(result.out, 'upstream')).toBe(`✗ upstream — ${url}/chat/completions ends in /chat/completions, which the bridge adds itself`);
    expect(result.out).toContain(`  fix: did you mean ${url}? pass --upstream ${url} (or codex-bridge config set upstream ${url})`);
  });

  it('a model list anyone may read is no proof of the key: not verified (a warning); --probe settles it, and a 401 there fails naming the variable', async () => {
    const port = await fakeUpstream((request, _body, res) => {
      if (request.url === '/v1/models') return json(res, 200, { data: [{ id: 'm' }] });
      if (request.headers.authorization !== `Bearer ${KEY}`) return json(res, 401, { error: { message: 'No auth credentials found' } });
      return json(res, 200, { choices: [{ message: { role: 'assistant', content: 'OK' }, finish_reason: 'length' }] });
    });
    const flags = { upstream: `http://127.0.0.1:${port}/v1`, model: 'm', apiKeyEnv: 'MOCK_KEY' };
    const plain = await doctor(flags, { MOCK_KEY: CANARY });
    expect(plain.code).toBe(0);
    expect(line(plain.out, 'key accepted')).toBe(`! key accepted — not verified: 127.0.0.1:${port} lists its models without a key too, so GET /models proves nothing`);
    expect(plain.out).toContain('  fix: codex-bridge doctor --probe checks the key with a 1-token chat request');
    const probed = await doctor({ ...flags, probe: true }, { MOCK_KEY: CANARY });
    expect(probed.code).toBe(1);
    expect(line(probed.out, 'key accepted')).toBe('✗ key accepted — the key in $MOCK_KEY was rejected (401)');
    expect(probed.out).toContain('  fix: check that $MOCK_KEY holds a valid key for');
    expect(probed.out.trimEnd()).toMatch(/check(s)? failed$/);
    for (const text of [plain.out, probed.out]) expect(text).not.toContain(CANARY.slice(0, 10));
  });

  it("OpenRouter: its key endpoint decides, not its public model list", async () => {
    const port = await fakeUpstream((request, _body, res) => {
      if (request.url === '/api/v1/models') return json(res, 200, { data: [{ id: 'm' }] });
      if (request.url === '/api/v1/key') return request.headers.authorization === `Bearer ${KEY}` ? json(res, 200, { data: { label: 'k' } }) : json(res, 401, { error: { message: 'User not found.' } });
      return json(res, 404, {});
    });
    const result = await doctor({ provider: 'openrouter', upstream: `http://127.0.0.1:${port}/api/v1`, model: 'm', apiKeyEnv: 'MOCK_KEY' }, { MOCK_KEY: CANARY });
    expect(result.code).toBe(1);
    expect(line(result.out, 'key accepted')).toBe('✗ key accepted — the key in $MOCK_KEY was rejected (401)');
  });

  it('unknown host: exit 1 naming the DNS failure', async () => {
    const result = await doctor({ upstream: 'https://no-such-host.invalid/v1', model: 'm' });
    expect(result.code).toBe(1);
    expect(line(result.out, 'reachable')).toMatch(/^✗ reachable — DNS lookup of no-such-host\.invalid failed \(E[A-Z_]+\)$/);
  });

  it('--json prints {ok, checks:[{name, ok, detail, fix}]}', async () => {
    const { url } = await upstream();
    const result = await doctor({ upstream: url, model: 'mock-model', apiKeyEnv: 'MOCK_KEY', json: true }, { MOCK_KEY: KEY });
    const report = JSON.parse(result.out) as { ok: boolean; checks: Array<Record<string, unknown>> };
    expect(report.ok).toBe(true);
    expect(report.checks.length).toBeGreaterThan(8);
    for (const check of report.checks) {
      expect(Object.keys(check)).toEqual(['name', 'ok', 'level', 'detail', 'fix']);
      expect(typeof check.name).toBe('string');
      expect(typeof check.ok).toBe('boolean');
    }
    expect(report.checks.map((check) => check.name)).toEqual(
      expect.arrayContaining(['node', 'codex', 'saved config', 'upstream', 'API key', 'reachable', 'key accepted', 'model', 'CODEX_HOME', 'temporary profiles', 'sessions file']),
    );
    const failing = await doctor({ upstream: 'http://127.0.0.1:9/v1', model: 'm', json: true });
    expect(failing.code).toBe(1);
    const failed = JSON.parse(failing.out) as { ok: boolean; checks: Array<{ ok: boolean; fix: string | null }> };
    expect(failed.ok).toBe(false);
    expect(failed.checks.filter((check) => !check.ok).every((check) => typeof check.fix === 'string' && check.fix.length > 0)).toBe(true);
  });

  it('an unset or empty key variable fails, called what it is, and no request goes out without it', async () => {
    const m = await upstream();
    const result = await doctor({ upstream: m.url, model: 'mock-model', apiKeyEnv: 'UNSET_KEY' });
    expect(result.code).toBe(1);
    expect(line(result.out, 'API key')).toBe('✗ API key — $UNSET_KEY is not set');
    expect(result.out).toContain('  fix: export UNSET_KEY=<your key>, or pass --api-key-env with the variable that holds it');
    const empty = await doctor({ upstream: m.url, model: 'mock-model', apiKeyEnv: 'EMPTY_KEY' }, { EMPTY_KEY: '' });
    expect(line(empty.out, 'API key')).toBe('✗ API key — $EMPTY_KEY is empty');
    expect(m.requests).toEqual([]);
    expect(line((await doctor({ provider: 'vllm', upstream: m.url, model: 'mock-model' }, { VLLM_API_KEY: '' })).out, 'API key')).toBe(
      '✓ API key — none: $VLLM_API_KEY is empty (only needed if the server was started with an API key)',
    );
  });
});

describe('doctor --probe', () => {
  const thinking: MockUpstreamOptions['turns'] = (request) =>
    request.tools ? { toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] } : { reasoning: 'Counting is easy.', content: '1 2 3 4 5' };

  it('chat, streaming, reasoning and a forced tool call; the key is settled by the chat request', async () => {
    const m = await upstream({ models: undefined, turns: thinking, rules: { reasoningField: 'reasoning_content' } });
    const result = await doctor({ upstream: m.url, model: 'mock-model', apiKeyEnv: 'MOCK_KEY', probe: true }, { MOCK_KEY: KEY });
    expect(result.code).toBe(0);
    expect(line(result.out, 'key accepted')).toBe('✓ key accepted — a 1-token chat request with it was answered');
    expect(line(result.out, 'model')).toBe('✓ model — mock-model (from the flag) answered a chat request');
    expect(line(result.out, 'chat')).toMatch(/^✓ chat — a 1-token request to mock-model answered in \d+ ms$/);
    expect(line(result.out, 'streaming')).toMatch(/^✓ streaming — \d+ chunks, ended with finish_reason "stop"$/);
    expect(line(result.out, 'reasoning')).toBe('✓ reasoning — returned in reasoning_content (17 characters)');
    expect(line(result.out, 'tools')).toBe('✓ tools — a tool call to get_weather came back with JSON arguments');
    expect(m.requests.map((r) => r.rejection)).toEqual([undefined, undefined, undefined]);
    expect(m.requests[0].body).toMatchObject({ model: 'mock-model', max_tokens: 1, stream: false });
    expect(m.requests[1].body).toMatchObject({ stream: true });
    expect(m.requests[2].body).toMatchObject({ tool_choice: { type: 'function', function: { name: 'get_weather' } } });
  });

  it('reasoning that comes only as reasoning_details blocks (OpenRouter) counts', async () => {
    const m = await upstream({ models: undefined, turns: thinking, rules: { reasoningField: 'reasoning-details' } });
    const result = await doctor({ upstream: m.url, model: 'mock-model', apiKeyEnv: 'MOCK_KEY', probe: true }, { MOCK_KEY: KEY });
    expect(line(result.out, 'reasoning')).toBe('✓ reasoning — returned in reasoning_details (17 characters)');
  });

  it('a model that does not reason: information only', async () => {
    const m = await upstream({ turns: (request) => (request.tools ? { toolCalls: [{ name: 'get_weather', arguments: '{}' }] } : { content: 'OK' }) });
    const result = await doctor({ upstream: m.url, model: 'mock-model', apiKeyEnv: 'MOCK_KEY', probe: true }, { MOCK_KEY: KEY });
    expect(result.code).toBe(0);
    expect(line(result.out, 'reasoning')).toBe('· reasoning — mock-model returned no reasoning: it does not reason, or keeps its reasoning to itself');
  });

  it('a model that answers instead of calling the tool: tools fails', async () => {
    const m = await upstream({ turns: [{ content: 'It is sunny.' }] });
    const result = await doctor({ upstream: m.url, model: 'mock-model', apiKeyEnv: 'MOCK_KEY', probe: true }, { MOCK_KEY: KEY });
    expect(result.code).toBe(1);
    expect(line(result.out, 'tools')).toBe('✗ tools — mock-model answered without calling the tool');
    expect(result.out).toContain('  fix: Codex works through tool calls: pick a model that supports function calling');
  });

  it('falls back when a named tool_choice is refused, and says so', async () => {
    const port = await fakeUpstream((request, body, res) => {
      if (request.url?.endsWith('/models')) return json(res, 404, { error: { message: 'no' } });
      if (typeof body.tool_choice === 'object') return json(res, 400, { error: { message: 'tool_choice must be auto or required' } });
      if (body.stream) return sse(res, body.tools ? [{ delta: { tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] } }, { delta: {}, finish_reason: 'tool_calls' }] : [{ delta: { content: '1 2' } }, { delta: {}, finish_reason: 'stop' }]);
      return json(res, 200, { choices: [{ message: { role: 'assistant', content: 'OK' }, finish_reason: 'length' }] });
    });
    const result = await doctor({ upstream: `http://127.0.0.1:${port}/v1`, model: 'm', probe: true });
    expect(line(result.out, 'tools')).toBe('✓ tools — a tool call to get_weather came back with JSON arguments (with tool_choice "required": the forced form was refused)');
    expect(result.code).toBe(0);
  });

  it('scrubs a key the upstream echoes, even masked', async () => {
    const port = await fakeUpstream((request, _body, res) => {
      const auth = String(request.headers.authorization ?? '');
      const key = auth.replace(/^Bearer /, '');
      if (request.url?.endsWith('/models')) return json(res, 500, { error: { message: `internal error for ${auth} (key ${key.slice(0, 8)}****${key.slice(-4)})` } });
      return json(res, 503, { error: { message: `overloaded, key=${key}` } });
    });
    const result = await doctor({ upstream: `http://127.0.0.1:${port}/v1`, model: 'm', apiKeyEnv: 'MOCK_KEY', probe: true }, { MOCK_KEY: CANARY });
    const json2 = await doctor({ upstream: `http://127.0.0.1:${port}/v1`, model: 'm', apiKeyEnv: 'MOCK_KEY', json: true }, { MOCK_KEY: CANARY });
    expect(result.code).toBe(1);
    expect(line(result.out, 'key accepted')).toMatch(/^✗ key accepted — GET \/models answered 500: internal error for Bearer \[redacted\] \(key \[redacted\]\)$/);
    for (const text of [result.out, json2.out]) {
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain(CANARY.slice(0, 8));
      expect(text).not.toContain(CANARY.slice(-4));
    }
  });
});

describe('doctor settings', () => {
  it('the only provider key set picks the preset; a local preset without a server says how to start it', async () => {
    const result = await doctor({}, { GROQ_API_KEY: 'g' }, { lookup: async () => Promise.reject(Object.assign(new Error('no'), { code: 'ENOTFOUND' })) });
    expect(line(result.out, 'provider')).toBe('✓ provider — Groq (groq), picked because GROQ_API_KEY is the only provider key set');
    expect(line(result.out, 'upstream')).toBe('✓ upstream — https://api.groq.com/openai/v1 (from the preset)');
    expect(line(result.out, 'reachable')).toBe('✗ reachable — DNS lookup of api.groq.com failed (ENOTFOUND)');

    const local = await doctor({ provider: 'lmstudio', upstream: 'http://127.0.0.1:9/v1' });
    expect(line(local.out, 'API key')).toBe('✓ API key — none needed (LM Studio)');
    expect(local.out).toContain('  fix: is LM Studio running? start the server in LM Studio');
  });

  it('several provider keys and no choice: a failed check that names the flags', async () => {
    const result = await doctor({}, { DEEPSEEK_API_KEY: 'd', MISTRAL_API_KEY: 'm' });
    expect(result.code).toBe(1);
    expect(line(result.out, 'provider')).toBe("✗ provider — several providers' keys are set (DEEPSEEK_API_KEY, MISTRAL_API_KEY) and nothing chooses one");
    expect(result.out).toContain('  fix: pass --provider deepseek or --provider mistral, or save one: codex-bridge config set provider deepseek');
  });

  it('nothing given at all: says what to pass', async () => {
    const result = await doctor({});
    expect(result.code).toBe(1);
    expect(line(result.out, 'upstream')).toBe('✗ upstream — no upstream given');
    expect(line(result.out, 'model')).toBeUndefined();
  });

  it('an unknown --provider is a usage error', async () => {
    await expect(doctor({ provider: 'nope' })).rejects.toThrow(UsageError);
  });

  it('uses the saved config, and reports a broken one without stopping', async () => {
    const { url } = await upstream();
    mkdirSync(path.join(root, 'bridge'));
    writeFileSync(path.join(root, 'bridge', 'config.json'), JSON.stringify({ upstream: url, model: 'mock-model', 'api-key-env': 'MOCK_KEY' }));
    const result = await doctor({}, { MOCK_KEY: KEY });
    expect(result.code).toBe(0);
    expect(line(result.out, 'saved config')).toBe(`✓ saved config — ${path.join(root, 'bridge', 'config.json')}: upstream ${url}, model mock-model, api-key-env MOCK_KEY`);
    expect(line(result.out, 'upstream')).toBe(`✓ upstream — ${url} (from the saved config)`);

    writeFileSync(path.join(root, 'bridge', 'config.json'), '{');
    const broken = await doctor({}, { MOCK_KEY: KEY });
    expect(broken.code).toBe(1);
    expect(line(broken.out, 'saved config')).toMatch(/^✗ saved config — cannot read .*config\.json: it is not valid JSON/);
    expect(line(broken.out, 'node')).toBeDefined();
    expect(line(broken.out, 'sessions file')).toBeDefined();
  });

  it('flags a leftover temporary profile as a warning (exit stays 0)', async () => {
    const { url } = await upstream();
    mkdirSync(path.join(root, 'codex'));
    writeFileSync(path.join(root, 'codex', 'codex-bridge-4000001-0123456789ab.config.toml'), '');
    const result = await doctor({ upstream: url, model: 'mock-model', apiKeyEnv: 'MOCK_KEY' }, { MOCK_KEY: KEY }, { isAlive: () => false });
    expect(result.code).toBe(0);
    expect(line(result.out, 'temporary profiles')).toMatch(/^! temporary profiles — 1 file left in .* by runs that died: codex-bridge-4000001-0123456789ab\.config\.toml$/);
    expect(result.out.trimEnd().endsWith('all checks passed (1 warning)')).toBe(true);
  });
});

describe('doctor output', () => {
  it('shows a progress line only on a terminal, and erases it', async () => {
    const { url } = await upstream();
    let progress = '';
    await doctor({ upstream: url, model: 'mock-model', apiKeyEnv: 'MOCK_KEY' }, { MOCK_KEY: KEY }, { progressStream: { isTTY: true, write: (text: string) => (progress += text) } });
    expect(progress).toContain(`connecting to ${new URL(url).host}…`);
    expect(progress.endsWith('\r\u001b[K')).toBe(true);
  });

  it('colours only on a terminal without NO_COLOR', () => {
    expect(shouldColor({}, { isTTY: true })).toBe(true);
    expect(shouldColor({ NO_COLOR: '1' }, { isTTY: true })).toBe(false);
    expect(shouldColor({}, { isTTY: false })).toBe(false);
    const report = { ok: false, checks: [{ name: 'x', ok: false, level: 'fail' as const, detail: 'broken', fix: 'mend it' }] };
    expect(renderText(report, true)).toContain('\u001b[31m✗\u001b[39m x — broken');
    expect(renderText(report, false)).toBe('✗ x — broken\n  fix: mend it\n\n1 check failed\n');
  });
});

// ---- a hand-written upstream for what the mock does not do ----

type Handler = (request: import('node:http').IncomingMessage, body: Record<string, unknown>, res: import('node:http').ServerResponse) => void;

async function fakeUpstream(handler: Handler): Promise<number> {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        // leave empty
      }
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function json(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sse(res: import('node:http').ServerResponse, choices: unknown[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const choice of choices) res.write(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, ...(choice as object) }] })}\n\n`);
  res.end('data: [DONE]\n\n');
}
