import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { normalizeConfigValue, type SavedConfig } from './saved-config.js';
import { PRESET_IDS } from '../providers/presets.js';
import { resolveUpstreamOptions, resolveUpstreamSettings, type UpstreamFlags } from './resolve-upstream-options.js';
import { UsageError } from '../output/usage-error.js';

const tempDir = tempDirsPerTest('cb-resolve-test-');
let root: string;
beforeEach(() => {
  root = tempDir();
});

const baseEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ CODEX_BRIDGE_HOME: path.join(root, 'home'), HOME: root, ...extra });
const withConfig = (config: SavedConfig) => ({ readConfig: vi.fn(async () => config) });

async function usageError(promise: Promise<unknown>): Promise<UsageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

describe('resolveUpstreamOptions: a preset', () => {
  it('--provider deepseek needs nothing but the key variable', async () => {
    const selection = await resolveUpstreamOptions({ provider: 'deepseek' }, baseEnv({ DEEPSEEK_API_KEY: 'sk-1' }));
    expect(selection).toEqual({
      provider: 'deepseek',
      upstream: 'https://api.deepseek.com/v1',
      model: 'deepseek-v4-flash',
      apiKeyEnv: 'DEEPSEEK_API_KEY',
      apiKey: 'sk-1',
      notice: undefined,
    });
  });

  it('--model, --upstream and --api-key-env override the preset one by one', async () => {
    const env = baseEnv({ MY_KEY: 'k' });
    const selection = await resolveUpstreamOptions({ provider: 'kimi', model: 'kimi-k2-thinking', upstream: 'https://api.moonshot.cn/v1', apiKeyEnv: 'MY_KEY' }, env);
    expect(selection).toMatchObject({ provider: 'kimi', upstream: 'https://api.moonshot.cn/v1', model: 'kimi-k2-thinking', apiKeyEnv: 'MY_KEY', apiKey: 'k' });
  });

  it('says which variable is missing, and where to get a key', async () => {
    const error = await usageError(resolveUpstreamOptions({ provider: 'deepseek' }, baseEnv()));
    expect(error.message).toBe(
      '$DEEPSEEK_API_KEY is not set — export DEEPSEEK_API_KEY=<your key> (DeepSeek keys: https://platform.deepseek.com/api_keys), or pass --api-key-env with the variable that holds it',
    );
    expect(error.exitCode).toBe(2);
  });

  it('calls an empty key variable empty, not unset', async () => {
    const error = await usageError(resolveUpstreamOptions({ provider: 'deepseek' }, baseEnv({ DEEPSEEK_API_KEY: '' })));
    expect(error.message).toMatch(/^\$DEEPSEEK_API_KEY is empty — export DEEPSEEK_API_KEY=<your key> \(DeepSeek keys: /);
    const named = await usageError(resolveUpstreamOptions({ upstream: 'https://example.com/v1', model: 'm', apiKeyEnv: 'MY_KEY' }, baseEnv({ MY_KEY: '' })));
    expect(named.message).toBe('$MY_KEY is empty — export MY_KEY=<your key>, or pass --api-key-env with the variable that holds it');
  });

  it('local presets need no key; vLLM uses VLLM_API_KEY only when it is set', async () => {
    expect(await resolveUpstreamOptions({ provider: 'ollama' }, baseEnv())).toMatchObject({ upstream: 'http://127.0.0.1:11434/v1', apiKey: undefined, apiKeyEnv: undefined });
    expect(await resolveUpstreamOptions({ provider: 'vllm' }, baseEnv())).toMatchObject({ upstream: 'http://127.0.0.1:8000/v1', apiKey: undefined, apiKeyEnv: undefined });
    expect(await resolveUpstreamOptions({ provider: 'vllm' }, baseEnv({ VLLM_API_KEY: 'v' }))).toMatchObject({ apiKey: 'v', apiKeyEnv: 'VLLM_API_KEY' });
  });

  it('refuses an unknown provider with the list, naming where it came from', async () => {
    const flag = await usageError(resolveUpstreamOptions({ provider: 'nope' }, baseEnv()));
    expect(flag.message).toMatch(/^unknown provider "nope" \(--provider\) — the presets are: deepseek, kimi, qwen, glm, openrouter, groq, mistral, xai, gemini, ollama, lmstudio, vllm$/);
    const fromEnv = await usageError(resolveUpstreamOptions({}, baseEnv({ CODEX_BRIDGE_PROVIDER: 'nope' })));
    expect(fromEnv.message).toMatch(/\(CODEX_BRIDGE_PROVIDER\)/);
  });

  it('a mistyped provider gets "did you mean", from the flag, the environment or the saved config', async () => {
    const flag = await usageError(resolveUpstreamOptions({ provider: 'deepsek' }, baseEnv()));
    expect(flag.message).toBe(`unknown provider "deepsek" (--provider) — did you mean deepseek? the presets are: ${PRESET_IDS.join(', ')}`);
    expect(flag.exitCode).toBe(2);
    const fromEnv = await usageError(resolveUpstreamOptions({}, baseEnv({ CODEX_BRIDGE_PROVIDER: 'Olama' })));
    expect(fromEnv.message).toMatch(/^unknown provider "Olama" \(CODEX_BRIDGE_PROVIDER\) — did you mean ollama\? the presets are: /);
    expect(() => normalizeConfigValue('provider', 'lm-studio')).toThrow(/^unknown provider "lm-studio" — did you mean lmstudio\? the presets are: /);
  });

  it('takes the id in any case', async () => {
    expect((await resolveUpstreamOptions({ provider: 'Ollama' }, baseEnv())).provider).toBe('ollama');
  });
});

describe('resolveUpstreamOptions: zero-config start', () => {
  it('picks the only preset whose key is set, and says so', async () => {
    const selection = await resolveUpstreamOptions({}, baseEnv({ GROQ_API_KEY: 'g', VLLM_API_KEY: 'optional keys do not count' }));
    expect(selection).toMatchObject({ provider: 'groq', upstream: 'https://api.groq.com/openai/v1', model: 'openai/gpt-oss-120b', apiKeyEnv: 'GROQ_API_KEY', apiKey: 'g' });
    expect(selection.notice).toBe('using Groq (openai/gpt-oss-120b at https://api.groq.com/openai/v1) because GROQ_API_KEY is set; --provider <id> picks another');
  });

  it('--model still overrides the detected preset (and the notice shows it)', async () => {
    const selection = await resolveUpstreamOptions({ model: 'deepseek-v4-pro' }, baseEnv({ DEEPSEEK_API_KEY: 'd' }));
    expect(selection).toMatchObject({ provider: 'deepseek', model: 'deepseek-v4-pro' });
    expect(selection.notice).toContain('deepseek-v4-pro at https://api.deepseek.com/v1');
  });

  it('with two keys set, says which flag to pass', async () => {
    const error = await usageError(resolveUpstreamOptions({}, baseEnv({ DEEPSEEK_API_KEY: 'd', MOONSHOT_API_KEY: 'm' })));
    expect(error.message).toBe(
      "several providers' keys are set (DEEPSEEK_API_KEY, MOONSHOT_API_KEY) — pass --provider deepseek or --provider kimi, or save one with `codex-bridge config set provider deepseek`",
    );
    const three = await usageError(resolveUpstreamOptions({}, baseEnv({ DEEPSEEK_API_KEY: 'd', MOONSHOT_API_KEY: 'm', XAI_API_KEY: 'x' })));
    expect(three.message).toContain('pass --provider with one of deepseek, kimi, xai');
  });

  it('with two keys set, --provider or a saved provider settles it', async () => {
    const env = baseEnv({ DEEPSEEK_API_KEY: 'd', MOONSHOT_API_KEY: 'm' });
    expect((await resolveUpstreamOptions({ provider: 'kimi' }, env)).notice).toBeUndefined();
    expect(await resolveUpstreamOptions({}, env, withConfig({ provider: 'kimi' }))).toMatchObject({ provider: 'kimi', apiKey: 'm', notice: undefined });
  });

  it('with no key set and nothing given, says what to pass', async () => {
    const error = await usageError(resolveUpstreamOptions({ model: 'm' }, baseEnv()));
    expect(error.message).toMatch(/^no upstream given — pass --upstream <url> or --provider <id> \(deepseek, kimi, .*\), set CODEX_BRIDGE_UPSTREAM, or export one provider's key/);
  });

  it('an explicit upstream is never second-guessed by a key in the environment', async () => {
    const selection = await resolveUpstreamOptions({ upstream: 'http://127.0.0.1:9/v1', model: 'm' }, baseEnv({ DEEPSEEK_API_KEY: 'd' }));
    expect(selection).toEqual({ provider: undefined, upstream: 'http://127.0.0.1:9/v1', model: 'm', apiKeyEnv: undefined, apiKey: undefined, notice: undefined });
  });
});

describe('resolveUpstreamSettings: precedence flags > env > saved config > preset', () => {
  const env = baseEnv;

  it('takes each field from the highest layer that has it', async () => {
    const saved = withConfig({ provider: 'deepseek', model: 'from-config', apiKeyEnv: 'CONFIG_KEY' });
    let r = await resolveUpstreamSettings({}, env(), saved);
    expect(r).toMatchObject({ provider: 'deepseek', providerSource: 'config', upstream: 'https://api.deepseek.com/v1', upstreamSource: 'preset', model: 'from-config', modelSource: 'config', apiKeyEnv: 'CONFIG_KEY', apiKeyEnvSource: 'config' });

    r = await resolveUpstreamSettings({}, env({ CODEX_BRIDGE_MODEL: 'from-env' }), saved);
    expect(r).toMatchObject({ model: 'from-env', modelSource: 'env', apiKeyEnv: 'CONFIG_KEY' });

    r = await resolveUpstreamSettings({ model: 'from-flag' }, env({ CODEX_BRIDGE_MODEL: 'from-env', CODEX_BRIDGE_API_KEY_ENV: 'ENV_KEY' }), saved);
    expect(r).toMatchObject({ model: 'from-flag', modelSource: 'flag', apiKeyEnv: 'ENV_KEY', apiKeyEnvSource: 'env' });

    r = await resolveUpstreamSettings({ provider: 'deepseek' }, env({ CODEX_BRIDGE_UPSTREAM: 'https://proxy.example/v1' }), saved);
    expect(r).toMatchObject({ provider: 'deepseek', providerSource: 'flag', upstream: 'https://proxy.example/v1', upstreamSource: 'env', model: 'from-config' });
  });

  it('flag provider > env provider > saved provider', async () => {
    const saved = withConfig({ provider: 'qwen' });
    expect((await resolveUpstreamSettings({}, env({ CODEX_BRIDGE_PROVIDER: 'glm' }), saved)).provider).toBe('glm');
    expect((await resolveUpstreamSettings({ provider: 'xai' }, env({ CODEX_BRIDGE_PROVIDER: 'glm' }), saved)).provider).toBe('xai');
    expect((await resolveUpstreamSettings({}, env(), saved)).provider).toBe('qwen');
  });

  it('ignores what was saved for another provider than the one chosen', async () => {
    const saved = withConfig({ provider: 'deepseek', model: 'deepseek-v4-pro', upstream: 'https://deepseek-proxy.example/v1' });
    const r = await resolveUpstreamSettings({ provider: 'kimi' }, env(), saved);
    expect(r).toMatchObject({ provider: 'kimi', upstream: 'https://api.moonshot.ai/v1', upstreamSource: 'preset', model: 'kimi-k2.6', modelSource: 'preset' });
    // …but keeps it for the same provider.
    expect((await resolveUpstreamSettings({ provider: 'deepseek' }, env(), saved)).model).toBe('deepseek-v4-pro');
  });

  it('an explicit upstream without a provider leaves the saved provider and its settings out', async () => {
    const saved = withConfig({ provider: 'deepseek', model: 'deepseek-v4-pro', apiKeyEnv: 'DEEPSEEK_API_KEY' });
    const r = await resolveUpstreamSettings({ upstream: 'http://127.0.0.1:8080/v1', model: 'local' }, env(), saved);
    expect(r).toMatchObject({ upstream: 'http://127.0.0.1:8080/v1', model: 'local' });
    expect(r.provider).toBeUndefined();
    expect(r.apiKeyEnv).toBeUndefined();
    expect(saved.readConfig).not.toHaveBeenCalled();
  });

  it('CODEX_BRIDGE_* values are ignored when CODEX_BRIDGE_PROVIDER names another provider than --provider', async () => {
    const r = await resolveUpstreamSettings({ provider: 'kimi' }, env({ CODEX_BRIDGE_PROVIDER: 'deepseek', CODEX_BRIDGE_MODEL: 'deepseek-v4-pro' }), withConfig({}));
    expect(r).toMatchObject({ provider: 'kimi', model: 'kimi-k2.6' });
    const same = await resolveUpstreamSettings({ provider: 'kimi' }, env({ CODEX_BRIDGE_MODEL: 'kimi-k2-thinking' }), withConfig({}));
    expect(same.model).toBe('kimi-k2-thinking');
  });

  it('a saved upstream (custom provider) counts when nothing explicit chooses one', async () => {
    const r = await resolveUpstreamSettings({}, env({ DEEPSEEK_API_KEY: 'd' }), withConfig({ upstream: 'https://llm.internal/v1', model: 'house' }));
    expect(r).toMatchObject({ upstream: 'https://llm.internal/v1', upstreamSource: 'config', model: 'house' });
    expect(r.provider).toBeUndefined();
    expect(r.notice).toBeUndefined();
  });

  it('does not read the saved config when flags and environment settle everything', async () => {
    const saved = withConfig({ model: 'never' });
    await resolveUpstreamSettings({ provider: 'deepseek', upstream: 'https://proxy.example/v1', model: 'm', apiKeyEnv: 'K' }, env(), saved);
    await resolveUpstreamSettings({ upstream: 'http://x/v1' }, env(), saved); // an explicit upstream: saved settings cannot count
    await resolveUpstreamSettings({}, env({ CODEX_BRIDGE_UPSTREAM: 'http://x/v1', CODEX_BRIDGE_MODEL: 'm', CODEX_BRIDGE_API_KEY_ENV: 'K' }), saved);
    expect(saved.readConfig).not.toHaveBeenCalled();
    // A provider with something still open: the saved config may hold its upstream or model.
    await resolveUpstreamSettings({ provider: 'deepseek', model: 'm', apiKeyEnv: 'K' }, env(), saved);
    expect(saved.readConfig).toHaveBeenCalledTimes(1);
  });
});

describe('resolveUpstreamOptions with the real saved config', () => {
  it('reads $CODEX_BRIDGE_HOME/config.json', async () => {
    const home = path.join(root, 'home');
    mkdirSync(home);
    writeFileSync(path.join(home, 'config.json'), JSON.stringify({ provider: 'mistral', model: 'devstral-latest' }));
    const selection = await resolveUpstreamOptions({}, baseEnv({ MISTRAL_API_KEY: 'm' }));
    expect(selection).toMatchObject({ provider: 'mistral', upstream: 'https://api.mistral.ai/v1', model: 'devstral-latest', apiKey: 'm' });
  });

  it('a broken config file is a one-line error with exit 1', async () => {
    const home = path.join(root, 'home');
    mkdirSync(home);
    writeFileSync(path.join(home, 'config.json'), '{');
    const error = await usageError(resolveUpstreamOptions({}, baseEnv()));
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain(`cannot read ${path.join(home, 'config.json')}: it is not valid JSON`);
  });
});

// Type-level: the flags every command passes.
const _flags: UpstreamFlags = { provider: 'deepseek', upstream: 'u', model: 'm', apiKeyEnv: 'K' };
void _flags;
