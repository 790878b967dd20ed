import { describe, expect, it } from 'vitest';
import { findPreset, PRESET_IDS, presetIdList, presetsWithKeySet, PROVIDER_PRESETS } from './presets.js';

describe('provider presets', () => {
  it('are the twelve agreed ids, in order (the quirk profiles use the same ids)', () => {
    expect(PRESET_IDS).toEqual(['deepseek', 'kimi', 'qwen', 'glm', 'openrouter', 'groq', 'mistral', 'xai', 'gemini', 'ollama', 'lmstudio', 'vllm']);
    expect(presetIdList()).toBe(PRESET_IDS.join(', '));
  });

  it('use the key variables the providers document', () => {
    const keys = Object.fromEntries(PROVIDER_PRESETS.map((preset) => [preset.id, preset.apiKeyEnv]));
    expect(keys).toEqual({
      deepseek: 'DEEPSEEK_API_KEY',
      kimi: 'MOONSHOT_API_KEY',
      qwen: 'DASHSCOPE_API_KEY',
      glm: 'ZHIPUAI_API_KEY',
      openrouter: 'OPENROUTER_API_KEY',
      groq: 'GROQ_API_KEY',
      mistral: 'MISTRAL_API_KEY',
      xai: 'XAI_API_KEY',
      gemini: 'GEMINI_API_KEY',
      ollama: undefined,
      lmstudio: undefined,
      vllm: 'VLLM_API_KEY',
    });
    expect(findPreset('vllm')?.keyOptional).toBe(true);
  });

  it('point hosted providers at https and local servers at loopback, without a trailing slash', () => {
    for (const preset of PROVIDER_PRESETS) {
      const url = new URL(preset.upstream);
      expect(preset.upstream, preset.id).not.toMatch(/\/$/);
      expect(url.search + url.hash + url.username, preset.id).toBe('');
      if (preset.local) {
        expect(url.protocol, preset.id).toBe('http:');
        expect(url.hostname, preset.id).toBe('127.0.0.1');
        expect(preset.startHint, preset.id).toBeTruthy();
      } else {
        expect(url.protocol, preset.id).toBe('https:');
        expect(preset.keyHelp, preset.id).toMatch(/^https:\/\//);
      }
      expect(preset.model.trim(), preset.id).toBe(preset.model);
      expect(preset.model.length, preset.id).toBeGreaterThan(0);
      expect(preset.notes.length, preset.id).toBeGreaterThan(20);
    }
    expect(findPreset('ollama')?.upstream).toBe('http://127.0.0.1:11434/v1');
    expect(findPreset('lmstudio')?.upstream).toBe('http://127.0.0.1:1234/v1');
    expect(findPreset('vllm')?.upstream).toBe('http://127.0.0.1:8000/v1');
    expect(findPreset('gemini')?.upstream).toBe('https://generativelanguage.googleapis.com/v1beta/openai');
  });

  it('find by id, nothing else', () => {
    expect(findPreset('deepseek')?.name).toBe('DeepSeek');
    expect(findPreset('DeepSeek')).toBeUndefined();
    expect(findPreset('nope')).toBeUndefined();
  });

  it('count a preset as "key set" only for a required, non-empty key variable', () => {
    expect(presetsWithKeySet({})).toEqual([]);
    expect(presetsWithKeySet({ DEEPSEEK_API_KEY: '' }).map((p) => p.id)).toEqual([]);
    expect(presetsWithKeySet({ DEEPSEEK_API_KEY: 'x', VLLM_API_KEY: 'y' }).map((p) => p.id)).toEqual(['deepseek']);
    expect(presetsWithKeySet({ GROQ_API_KEY: 'x', MOONSHOT_API_KEY: 'y' }).map((p) => p.id)).toEqual(['kimi', 'groq']);
  });
});
