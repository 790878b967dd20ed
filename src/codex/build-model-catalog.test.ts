import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  buildModelCatalog,
  DEFAULT_CONTEXT_WINDOW,
  FALLBACK_BASE_INSTRUCTIONS,
  minimalCatalogEntry,
  pickTemplateEntry,
  type CatalogEntry,
} from './build-model-catalog.js';

// The catalog entry Codex 0.169 was seen to accept, vendored with the other captures.
const fixturePath = fileURLToPath(new URL('../../test/fixtures/codex-0.169/model-catalog-minimal.json', import.meta.url));
const fixture = JSON.parse(readFileSync(fixturePath, 'utf8')) as { models: CatalogEntry[] };

/** Shaped like an entry of `codex debug models --bundled` (0.169). */
function bundledEntry(overrides: Record<string, unknown> = {}): CatalogEntry {
  return {
    slug: 'gpt-5.5',
    display_name: 'GPT-5.5',
    description: 'Legacy coding model.',
    default_reasoning_level: 'medium',
    supported_reasoning_levels: [{ effort: 'medium', description: 'm' }],
    shell_type: 'unified_exec',
    visibility: 'list',
    supported_in_api: true,
    priority: 13,
    additional_speed_tiers: ['fast'],
    service_tiers: [{ id: 'priority', name: 'Fast', description: '1.5x speed' }],
    availability_nux: null,
    upgrade: { model: 'gpt-6-sol', migration_markdown: 'Meet GPT-6' },
    model_messages: { instructions_template: 'You are Codex, based on GPT-5.' },
    apply_patch_tool_type: 'function',
    web_search_tool_type: 'text_and_image',
    truncation_policy: { mode: 'tokens', limit: 10000 },
    supports_image_detail_original: true,
    context_window: 272000,
    max_context_window: 272000,
    effective_context_window_percent: 95,
    experimental_supported_tools: ['clock'],
    input_modalities: ['text', 'image'],
    supports_search_tool: true,
    use_responses_lite: false,
    base_instructions: 'You are Codex, a coding agent.',
    ...overrides,
  };
}

describe('minimal catalog entry (no bundled template available)', () => {
  it('has every key of the entry Codex 0.169 was seen to accept, plus freeform apply_patch', () => {
    const catalog = buildModelCatalog({ model: 'deepseek-chat' });
    expect(catalog.models).toHaveLength(1);
    const entry = catalog.models[0];
    for (const key of Object.keys(fixture.models[0])) expect(entry, key).toHaveProperty(key);
    expect(entry.slug).toBe('deepseek-chat');
    expect(entry.display_name).toBe('deepseek-chat');
    expect(entry.apply_patch_tool_type).toBe('freeform');
    expect(entry.base_instructions).toBe(FALLBACK_BASE_INSTRUCTIONS);
    expect(entry.base_instructions).toMatch(/apply_patch/);
    expect(entry.experimental_supported_tools).toEqual([]);
    expect(entry.context_window).toBe(DEFAULT_CONTEXT_WINDOW);
    expect(JSON.stringify(entry)).not.toMatch(/web_search|search_tool/);
  });

  it('matches the fixture value for value where it has no reason to differ', () => {
    const entry = minimalCatalogEntry('x') as Record<string, unknown>;
    const reference = fixture.models[0] as Record<string, unknown>;
    for (const key of ['shell_type', 'visibility', 'supported_in_api', 'truncation_policy', 'experimental_supported_tools']) {
      expect(entry[key], key).toEqual(reference[key]);
    }
  });
});

describe('catalog from a bundled template', () => {
  it('renames the entry, offers freeform apply_patch and advertises no hosted tools', () => {
    const entry = buildModelCatalog({ model: 'kimi-k2', template: bundledEntry() }).models[0] as Record<string, unknown>;
    expect(entry.slug).toBe('kimi-k2');
    expect(entry.display_name).toBe('kimi-k2');
    expect(entry.description).toMatch(/kimi-k2/);
    expect(entry.apply_patch_tool_type).toBe('freeform');
    expect(entry.base_instructions).toBe('You are Codex, a coding agent.');
    expect(entry).not.toHaveProperty('web_search_tool_type');
    expect(entry).not.toHaveProperty('model_messages');
    expect(entry.supports_search_tool).toBe(false);
    expect(entry.experimental_supported_tools).toEqual([]);
    expect(entry.service_tiers).toEqual([]);
    expect(entry.additional_speed_tiers).toEqual([]);
    expect(entry.upgrade).toBeNull();
    expect(entry.supports_image_detail_original).toBe(false);
    expect(entry.context_window).toBe(DEFAULT_CONTEXT_WINDOW);
    expect(entry.max_context_window).toBe(DEFAULT_CONTEXT_WINDOW);
    // The rest of the template is kept as Codex wrote it.
    expect(entry.shell_type).toBe('unified_exec');
    expect(entry.truncation_policy).toEqual({ mode: 'tokens', limit: 10000 });
    expect(entry.effective_context_window_percent).toBe(95);
  });

  it('does not tell the model it is GPT-5', () => {
    const template = bundledEntry({ base_instructions: 'You are Codex, a coding agent based on GPT-5. You and the user share one workspace.' });
    const entry = buildModelCatalog({ model: 'm', template }).models[0];
    expect(entry.base_instructions).toBe('You are Codex, a coding agent. You and the user share one workspace.');
  });

  it('drops code mode and OpenAI-only request shapes', () => {
    const template = bundledEntry({ tool_mode: 'code_mode_only', use_responses_lite: true, multi_agent_version: 'v2', default_service_tier: 'priority' });
    const entry = buildModelCatalog({ model: 'm', template, contextWindow: 64000 }).models[0] as Record<string, unknown>;
    expect(entry).not.toHaveProperty('tool_mode');
    expect(entry).not.toHaveProperty('multi_agent_version');
    expect(entry).not.toHaveProperty('default_service_tier');
    expect(entry.use_responses_lite).toBe(false);
    expect(entry.context_window).toBe(64000);
    expect(template.tool_mode).toBe('code_mode_only'); // the template itself is not modified
  });

  it('picks the plainest usable entry', () => {
    const codeMode = bundledEntry({ slug: 'new', tool_mode: 'code_mode_only' });
    const plain = bundledEntry({ slug: 'plain' });
    expect(pickTemplateEntry({ models: [codeMode, plain] })?.slug).toBe('plain');
    expect(pickTemplateEntry({ models: [codeMode] })?.slug).toBe('new');
    expect(pickTemplateEntry({ models: [{ slug: 'no-instructions' }, plain] })?.slug).toBe('plain');
    expect(pickTemplateEntry({ models: [] })).toBeUndefined();
    expect(pickTemplateEntry({ data: [] })).toBeUndefined();
    expect(pickTemplateEntry(null)).toBeUndefined();
  });
});
