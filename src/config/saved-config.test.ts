import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { configFilePath, configHome } from './config-home.js';
import { ConfigFileError, InvalidConfigValueError, normalizeConfigValue, openConfigStore, readSavedConfig } from './saved-config.js';

const tempDir = tempDirsPerTest('cb-config-test-');
let root: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  root = tempDir();
  env = { CODEX_BRIDGE_HOME: path.join(root, 'home'), HOME: path.join(root, 'user') };
});

describe('configHome', () => {
  it('is $CODEX_BRIDGE_HOME when set, else the platform config folder under HOME', () => {
    expect(configHome(env)).toBe(path.join(root, 'home'));
    expect(configFilePath(env)).toBe(path.join(root, 'home', 'config.json'));
    if (process.platform === 'linux') {
      expect(configHome({ HOME: '/h' })).toBe('/h/.config/codex-bridge');
      expect(configHome({ HOME: '/h', XDG_CONFIG_HOME: '/x' })).toBe('/x/codex-bridge');
    }
  });
});

describe('saved config', () => {
  it('reads as empty, and creates nothing, when nothing was saved', async () => {
    expect(await readSavedConfig(env)).toEqual({});
    const store = await openConfigStore(env);
    expect(store.get('model')).toBeUndefined();
    expect(store.all()).toEqual({});
    expect(store.unset('model')).toBe(false);
    expect(existsSync(configHome(env))).toBe(false);
  });

  it('round-trips every setting, in a private folder, as plain names', async () => {
    const store = await openConfigStore(env);
    expect(store.set('provider', 'DeepSeek')).toBe('deepseek');
    expect(store.set('upstream', 'https://api.deepseek.com/v1/')).toBe('https://api.deepseek.com/v1');
    expect(store.set('model', ' deepseek-v4-pro ')).toBe('deepseek-v4-pro');
    expect(store.set('api-key-env', 'MY_DEEPSEEK_KEY')).toBe('MY_DEEPSEEK_KEY');
    expect(statSync(configHome(env)).mode & 0o777).toBe(0o700);
    expect(statSync(configFilePath(env)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(configFilePath(env), 'utf8'))).toEqual({
      provider: 'deepseek',
      upstream: 'https://api.deepseek.com/v1',
      model: 'deepseek-v4-pro',
      'api-key-env': 'MY_DEEPSEEK_KEY',
    });
    expect(await readSavedConfig(env)).toEqual({ provider: 'deepseek', upstream: 'https://api.deepseek.com/v1', model: 'deepseek-v4-pro', apiKeyEnv: 'MY_DEEPSEEK_KEY' });
    expect(store.unset('upstream')).toBe(true);
    expect((await openConfigStore(env)).get('upstream')).toBeUndefined();
    expect((await openConfigStore(env)).get('model')).toBe('deepseek-v4-pro');
  });

  it('makes a config.json an older version left 0644 private when it is read', async () => {
    mkdirSync(configHome(env), { recursive: true, mode: 0o700 });
    writeFileSync(configFilePath(env), JSON.stringify({ model: 'm' }), { mode: 0o644 });
    chmodSync(configFilePath(env), 0o644);
    expect((await readSavedConfig(env)).model).toBe('m');
    expect(statSync(configFilePath(env)).mode & 0o777).toBe(0o600);
  });

  it('refuses an unknown provider, listing the presets', () => {
    expect(() => normalizeConfigValue('provider', 'nope')).toThrow(InvalidConfigValueError);
    expect(() => normalizeConfigValue('provider', 'nope')).toThrow(/unknown provider "nope" — the presets are: deepseek, kimi, .*vllm/);
  });

  it('refuses a key where a variable name belongs, without repeating it', async () => {
    const keys = ['sk-abcdef0123456789abcdef', 'gsk_abcdefghij0123456789', 'AIzaSyA1234567890abcdefghijk', 'abcdef0123456789abcdef01', 'has space', '1STARTS_WITH_DIGIT'];
    const store = await openConfigStore(env);
    for (const key of keys) {
      let message = '';
      try {
        store.set('api-key-env', key);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidConfigValueError);
        message = (error as Error).message;
      }
      expect(message, key).toMatch(/the \*name\* of the environment variable/);
      expect(message).not.toContain(key);
    }
    expect(existsSync(configFilePath(env))).toBe(false);
    expect(normalizeConfigValue('api-key-env', 'DEEPSEEK_API_KEY')).toBe('DEEPSEEK_API_KEY');
    expect(normalizeConfigValue('api-key-env', 'my_key')).toBe('my_key');
  });

  it('refuses an upstream that could carry a key, or is not http(s)', () => {
    expect(() => normalizeConfigValue('upstream', 'https://user:pw@example.com/v1')).toThrow(/credentials/);
    expect(() => normalizeConfigValue('upstream', 'https://example.com/v1?key=abc')).toThrow(/query/);
    expect(() => normalizeConfigValue('upstream', 'ftp://example.com')).toThrow(/http\(s\)/);
    expect(() => normalizeConfigValue('upstream', 'not a url')).toThrow(/not a URL/);
    expect(() => normalizeConfigValue('model', 'two words')).toThrow(/without spaces/);
  });

  it('reports a hand-broken file instead of wiping it, and does not write over it', async () => {
    mkdirSync(configHome(env), { recursive: true });
    writeFileSync(configFilePath(env), '{"provider": "deepseek",');
    await expect(readSavedConfig(env)).rejects.toThrow(ConfigFileError);
    await expect(readSavedConfig(env)).rejects.toThrow(/not valid JSON; fix or delete it/);
    await expect(openConfigStore(env).then((store) => store.set('model', 'm'))).rejects.toThrow(ConfigFileError);
    expect(readFileSync(configFilePath(env), 'utf8')).toBe('{"provider": "deepseek",');

    writeFileSync(configFilePath(env), JSON.stringify({ provider: 'nope', model: 'm' }));
    await expect(readSavedConfig(env)).rejects.toThrow(/config\.json: unknown provider "nope".*config unset provider/);
    writeFileSync(configFilePath(env), JSON.stringify({ model: 42 }));
    await expect(readSavedConfig(env)).rejects.toThrow(/"model" must be a string/);
  });

  it('ignores keys it does not know', async () => {
    mkdirSync(configHome(env), { recursive: true });
    writeFileSync(configFilePath(env), JSON.stringify({ model: 'm', somethingElse: true }));
    expect(await readSavedConfig(env)).toEqual({ model: 'm' });
  });
});
