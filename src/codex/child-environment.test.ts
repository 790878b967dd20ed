import { describe, expect, it } from 'vitest';
import { buildChildEnvironment } from './child-environment.js';

const KEY = 'sk-upstream-secret-1234567890';
const base = {
  PATH: '/usr/bin',
  HOME: '/home/me',
  DEEPSEEK_API_KEY: KEY,
  COPY_OF_KEY: KEY,
  AUTH_HEADER: `Bearer ${KEY}`,
  OPENAI_API_KEY: 'sk-openai-of-the-user',
  UNRELATED: 'x',
};

describe('buildChildEnvironment', () => {
  it('gives Codex the token in CODEX_BRIDGE_TOKEN and never the upstream key', () => {
    const env = buildChildEnvironment({ env: base, apiKeyEnv: 'DEEPSEEK_API_KEY', apiKey: KEY, token: 'tok', baseUrl: 'http://127.0.0.1:1/v1', isCodex: true });
    expect(env.CODEX_BRIDGE_TOKEN).toBe('tok');
    expect(env).not.toHaveProperty('DEEPSEEK_API_KEY');
    expect(env).not.toHaveProperty('COPY_OF_KEY');
    expect(env).not.toHaveProperty('AUTH_HEADER');
    expect(Object.values(env).some((value) => value?.includes(KEY))).toBe(false);
    expect(env.PATH).toBe('/usr/bin');
    expect(env.UNRELATED).toBe('x');
    // Codex is pointed at the bridge by its profile, not by OPENAI_* variables.
    expect(env.OPENAI_API_KEY).toBe('sk-openai-of-the-user');
    expect(env).not.toHaveProperty('OPENAI_BASE_URL');
  });

  it('points any other program at the bridge through the OpenAI SDK variables', () => {
    const env = buildChildEnvironment({ env: base, apiKeyEnv: 'DEEPSEEK_API_KEY', apiKey: KEY, token: 'tok', baseUrl: 'http://127.0.0.1:1/v1', isCodex: false });
    expect(env.OPENAI_BASE_URL).toBe('http://127.0.0.1:1/v1');
    expect(env.OPENAI_API_KEY).toBe('tok');
    expect(env).not.toHaveProperty('CODEX_BRIDGE_TOKEN');
    expect(Object.values(env).some((value) => value?.includes(KEY))).toBe(false);
  });

  it('removes the key variable even when it is OPENAI_API_KEY, and does not mutate the input', () => {
    const input = { OPENAI_API_KEY: KEY, PATH: '/bin' };
    const env = buildChildEnvironment({ env: input, apiKeyEnv: 'OPENAI_API_KEY', apiKey: KEY, token: 'tok', baseUrl: 'u', isCodex: true });
    expect(env).toEqual({ PATH: '/bin', CODEX_BRIDGE_TOKEN: 'tok' });
    expect(input.OPENAI_API_KEY).toBe(KEY);
  });

  it('does not drop variables that merely contain a very short key', () => {
    const env = buildChildEnvironment({ env: { K: 'ab', PATH: '/usr/lab' }, apiKeyEnv: 'K', apiKey: 'ab', token: 't', baseUrl: 'u', isCodex: true });
    expect(env.PATH).toBe('/usr/lab');
    expect(env).not.toHaveProperty('K');
  });

  it('works without any key (a local upstream)', () => {
    const env = buildChildEnvironment({ env: { PATH: '/bin' }, token: 't', baseUrl: 'u', isCodex: true });
    expect(env).toEqual({ PATH: '/bin', CODEX_BRIDGE_TOKEN: 't' });
  });
});
