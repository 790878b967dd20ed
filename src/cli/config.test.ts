import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { registerConfig } from './config.js';
import { UsageError } from '../output/usage-error.js';
import type { ModelsAnswer } from '../config/base-url-check.js';

const tempDir = tempDirsPerTest('cb-config-cli-');
let root: string;
let env: NodeJS.ProcessEnv;
let out: string;
let err: string;
/** What each base URL answers to GET /models, for `set upstream` (no network in these tests). */
let answers: Record<string, ModelsAnswer>;

beforeEach(() => {
  root = tempDir();
  env = { CODEX_BRIDGE_HOME: path.join(root, 'home'), HOME: root, MY_KEY_VAR: 'secret-value-of-the-key' };
  out = '';
  err = '';
  answers = {};
});

async function config(...args: string[]): Promise<string> {
  const program = new Command('codex-bridge').exitOverride();
  registerConfig(program, { env, out: (text) => (out += text), err: (text) => (err += text), probeModels: async (base) => answers[base] ?? {} });
  out = '';
  err = '';
  await program.parseAsync(['config', ...args], { from: 'user' });
  return out;
}

async function failure(...args: string[]): Promise<UsageError> {
  const error = await config(...args).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

const file = () => path.join(root, 'home', 'config.json');

describe('codex-bridge config', () => {
  it('set / get / list / unset / path round trip', async () => {
    expect(await config('list')).toBe(`nothing saved (${file()})\n`);
    expect(await config('path')).toBe(`${file()}\n`);
    expect(await config('set', 'provider', 'deepseek')).toBe(`provider = deepseek  (saved in ${file()})\n`);
    await config('set', 'model', 'deepseek-v4-pro');
    await config('set', 'upstream', 'https://api.deepseek.com/v1');
    await config('set', 'api-key-env', 'MY_KEY_VAR');
    expect(await config('get', 'model')).toBe('deepseek-v4-pro\n');
    expect(await config('list')).toBe('provider = deepseek\nupstream = https://api.deepseek.com/v1\nmodel = deepseek-v4-pro\napi-key-env = MY_KEY_VAR\n');
    expect(await config('get')).toBe(await config('list'));
    expect(JSON.parse(await config('list', '--json'))).toEqual({ provider: 'deepseek', upstream: 'https://api.deepseek.com/v1', model: 'deepseek-v4-pro', 'api-key-env': 'MY_KEY_VAR' });
    expect(await config('unset', 'model')).toBe('removed model\n');
    expect(await config('unset', 'model')).toBe('model was not set\n');
    expect(JSON.parse(await config('get', 'model', '--json'))).toBeNull();
    const missing = await failure('get', 'model');
    expect(missing.exitCode).toBe(1);
    expect(missing.message).toBe('model is not set — codex-bridge config set model <value>');
  });

  it('api-key-env stores the variable name only, never its value', async () => {
    await config('set', 'api-key-env', 'MY_KEY_VAR');
    const text = readFileSync(file(), 'utf8');
    expect(JSON.parse(text)).toEqual({ 'api-key-env': 'MY_KEY_VAR' });
    expect(text).not.toContain('secret-value-of-the-key');
    expect(err).toBe('');
  });

  it('api-key-env given a key: refused, not saved, not echoed', async () => {
    const key = 'sk-0123456789abcdef0123456789abcdef';
    const error = await failure('set', 'api-key-env', key);
    expect(error.exitCode).toBe(2);
    expect(error.message).not.toContain(key);
    expect(error.message).toContain('not the key itself');
    expect(await config('list')).toMatch(/^nothing saved/);
  });

  it('notes when the named variable is not set, or empty, in this shell', async () => {
    await config('set', 'api-key-env', 'NOT_SET_HERE');
    expect(err).toBe('codex-bridge: note: $NOT_SET_HERE is not set in this shell; export NOT_SET_HERE=<your key> before running\n');
    env.EMPTY_HERE = '';
    await config('set', 'api-key-env', 'EMPTY_HERE');
    expect(err).toBe('codex-bridge: note: $EMPTY_HERE is empty in this shell; export EMPTY_HERE=<your key> before running\n');
  });

  it('refuses an unknown provider with the list of presets', async () => {
    const error = await failure('set', 'provider', 'nope');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('unknown provider "nope" — the presets are: deepseek, kimi, qwen, glm, openrouter, groq, mistral, xai, gemini, ollama, lmstudio, vllm');
  });

  it('refuses an unknown setting', async () => {
    const error = await failure('set', 'api-key', 'x');
    expect(error.message).toBe('unknown setting "api-key" — the settings are provider, upstream, model, api-key-env');
  });

  it('changing the provider points out the settings saved with the old one', async () => {
    await config('set', 'provider', 'deepseek');
    await config('set', 'model', 'deepseek-v4-pro');
    await config('set', 'provider', 'kimi');
    expect(err).toBe('codex-bridge: note: also saved: model deepseek-v4-pro; they apply to kimi too (`codex-bridge config unset model` to use the preset\'s)\n');
  });

  it('set upstream: a base URL with /chat/completions, or without /v1, is refused once the right one answered', async () => {
    answers = { 'http://127.0.0.1:11434': { status: 404, listed: false }, 'http://127.0.0.1:11434/v1': { status: 200, listed: true } };
    const noV1 = await failure('set', 'upstream', 'http://127.0.0.1:11434');
    expect(noV1.exitCode).toBe(2);
    expect(noV1.message).toBe(
      'http://127.0.0.1:11434 answers 404 to GET /models, and http://127.0.0.1:11434/v1 answers — did you mean http://127.0.0.1:11434/v1? codex-bridge config set upstream http://127.0.0.1:11434/v1; nothing was saved',
    );
    const appended = await failure('set', 'upstream', 'http://127.0.0.1:11434/v1/chat/completions');
    expect(appended.message).toBe(
      'http://127.0.0.1:11434/v1/chat/completions ends in /chat/completions, which the bridge adds itself — did you mean http://127.0.0.1:11434/v1? codex-bridge config set upstream http://127.0.0.1:11434/v1; nothing was saved',
    );
    expect(await config('list')).toMatch(/^nothing saved/);
    expect(await config('set', 'upstream', 'http://127.0.0.1:11434/v1')).toMatch(/^upstream = http:\/\/127\.0\.0\.1:11434\/v1 /);
  });

  it('set upstream: saved without comment when nothing can be checked (offline), or nothing better answers', async () => {
    expect(await config('set', 'upstream', 'http://gpu-box:8000')).toMatch(/^upstream = http:\/\/gpu-box:8000 /);
    answers = { 'https://api.deepseek.com': { status: 200, listed: true } };
    expect(await config('set', 'upstream', 'https://api.deepseek.com')).toMatch(/^upstream = https:\/\/api\.deepseek\.com /);
    expect(err).toBe('');
  });

  it('a broken file: exit 1 naming it', async () => {
    await config('set', 'model', 'm');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file(), 'not json');
    const error = await failure('list');
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain(`cannot read ${file()}: it is not valid JSON`);
  });
});
