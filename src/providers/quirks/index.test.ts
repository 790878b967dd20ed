import { describe, expect, it } from 'vitest';
import { DEFAULT_QUIRKS } from '../../translate/provider-quirks.js';
import { QUIRK_PROFILES, quirkProfileById, quirkProfileForUpstream, resolveQuirks } from './index.js';

const PRESET_IDS = ['deepseek', 'kimi', 'qwen', 'glm', 'openrouter', 'groq', 'mistral', 'xai', 'gemini', 'ollama', 'lmstudio', 'vllm'];

describe('quirk profiles', () => {
  it('has exactly one profile per preset id', () => {
    expect(QUIRK_PROFILES.map((p) => p.id)).toEqual(PRESET_IDS);
  });

  it('names only real switches, with values of the right type', () => {
    for (const profile of QUIRK_PROFILES) {
      for (const [key, value] of Object.entries(profile.quirks)) {
        expect(Object.hasOwn(DEFAULT_QUIRKS, key), `${profile.id}.${key}`).toBe(true);
        expect(typeof value, `${profile.id}.${key}`).toBe(typeof DEFAULT_QUIRKS[key as keyof typeof DEFAULT_QUIRKS]);
      }
    }
  });

  it.each([
    ['https://api.deepseek.com/v1', 'deepseek'],
    ['https://api.deepseek.com', 'deepseek'],
    ['https://api.moonshot.ai/v1', 'kimi'],
    ['https://api.moonshot.cn/v1', 'kimi'],
    ['https://dashscope.aliyuncs.com/compatible-mode/v1', 'qwen'],
    ['https://dashscope-intl.aliyuncs.com/compatible-mode/v1', 'qwen'],
    ['https://open.bigmodel.cn/api/paas/v4', 'glm'],
    ['https://api.z.ai/api/paas/v4', 'glm'],
    ['https://openrouter.ai/api/v1', 'openrouter'],
    ['https://api.groq.com/openai/v1', 'groq'],
    ['https://api.mistral.ai/v1', 'mistral'],
    ['https://api.x.ai/v1', 'xai'],
    ['https://generativelanguage.googleapis.com/v1beta/openai', 'gemini'],
    ['http://localhost:11434/v1', 'ollama'],
    ['http://127.0.0.1:11434/v1', 'ollama'],
    ['http://localhost:1234/v1', 'lmstudio'],
    ['http://gpu-box:8000/v1', 'vllm'],
    ['HTTPS://API.DEEPSEEK.COM/v1', 'deepseek'],
  ])('recognises %s as %s', (url, id) => {
    expect(quirkProfileForUpstream(url)?.id).toBe(id);
  });

  it('recognises nothing else', () => {
    for (const url of ['https://api.openai.com/v1', 'https://evil.api.deepseek.com.example/v1', 'https://notdashscope.aliyuncs.com/v1', 'http://localhost:8080/v1', 'not a url']) {
      expect(quirkProfileForUpstream(url), url).toBeUndefined();
    }
  });
});

describe('resolveQuirks', () => {
  it('provider id first, then host, then defaults; overrides on top', () => {
    const byId = resolveQuirks({ provider: 'mistral', upstream: 'http://localhost:8000/v1' });
    expect(byId).toMatchObject({ matchedBy: 'provider', profile: { id: 'mistral' } });
    expect(byId.quirks.toolCallIdFormat).toBe('alnum9');
    expect(byId.quirks.singleSystemMessage).toBe(false);

    const byHost = resolveQuirks({ upstream: 'http://localhost:8000/v1' });
    expect(byHost).toMatchObject({ matchedBy: 'host', profile: { id: 'vllm' } });
    expect(byHost.quirks.reasoningField).toBe('think-tags');

    const none = resolveQuirks({ upstream: 'https://api.openai.com/v1' });
    expect(none.matchedBy).toBe('none');
    expect(none.quirks).toEqual(DEFAULT_QUIRKS);

    const custom = resolveQuirks({ provider: 'my-own-proxy', upstream: 'https://api.groq.com/openai/v1', overrides: { streamOptions: false, finishReasons: { foo: 'error' } } });
    expect(custom).toMatchObject({ matchedBy: 'host', profile: { id: 'groq' } });
    expect(custom.quirks).toMatchObject({ reasoningField: 'reasoning', streamOptions: false, finishReasons: { foo: 'error' } });
  });

  it("never shares state between bridges: profiles and defaults stay as they were", () => {
    const a = resolveQuirks({ provider: 'mistral', upstream: 'https://x' });
    a.quirks.finishReasons.extra = 'error';
    a.quirks.reasoningEffortValues.push('max');
    expect(resolveQuirks({ provider: 'mistral', upstream: 'https://x' }).quirks.finishReasons).toEqual({ model_length: 'length', error: 'error' });
    expect(DEFAULT_QUIRKS.reasoningEffortValues).toEqual(['low', 'medium', 'high']);
    expect(quirkProfileById('MISTRAL')?.id).toBe('mistral');
  });
});
