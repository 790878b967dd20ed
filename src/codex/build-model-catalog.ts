// The model catalog handed to Codex through `model_catalog_json`. It replaces Codex's built-in
// catalog (silencing "Model metadata for X not found") and decides which tools Codex offers: we
// want apply_patch (freeform) and no hosted tools, which a Chat Completions upstream cannot run.

export type CatalogEntry = Record<string, unknown> & { slug: string; base_instructions: string };
export interface ModelCatalog {
  models: CatalogEntry[];
}

/** Used when nothing better is known: common for today's open models, and safe to compact under. */
export const DEFAULT_CONTEXT_WINDOW = 131_072;

// Keys of a bundled entry that only make sense for OpenAI's own models or advertise hosted tools
// and OpenAI-only request shapes.
const DROPPED_TEMPLATE_KEYS = [
  'model_messages', // per-model prompt templates naming the OpenAI model; base_instructions is kept
  'web_search_tool_type',
  'tool_mode', // "code_mode_only" swaps the ordinary tools for a code-mode host
  'multi_agent_version',
  'multi_agent_reasoning_effort',
  'default_service_tier',
  'model_specialty',
];

export function isCatalogEntry(value: unknown): value is CatalogEntry {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as CatalogEntry).slug === 'string' &&
    typeof (value as CatalogEntry).base_instructions === 'string' &&
    (value as CatalogEntry).base_instructions.length > 0
  );
}

/**
 * The bundled entry closest to a plain Chat Completions model: one with the ordinary tool set
 * (no code mode) and the full Responses request shape. Undefined if `catalog` has no usable entry.
 */
export function pickTemplateEntry(catalog: unknown): CatalogEntry | undefined {
  const models = (catalog as { models?: unknown } | null)?.models;
  if (!Array.isArray(models)) return undefined;
  const usable = models.filter(isCatalogEntry);
  const plain = usable.filter((entry) => entry.tool_mode === undefined && entry.use_responses_lite !== true);
  return plain[0] ?? usable[0];
}

export interface CatalogOptions {
  model: string;
  /** A bundled entry to start from (see pickTemplateEntry); the minimal entry when absent. */
  template?: CatalogEntry;
  contextWindow?: number;
}

export function buildModelCatalog(options: CatalogOptions): ModelCatalog {
  const contextWindow = options.contextWindow ?? DEFAULT_CONTEXT_WINDOW;
  const entry: Record<string, unknown> = { ...(options.template ?? minimalCatalogEntry(options.model)) };
  for (const key of DROPPED_TEMPLATE_KEYS) delete entry[key];
  if (typeof entry.base_instructions === 'string') {
    // "You are Codex, a coding agent based on GPT-5." is not true of this model.
    entry.base_instructions = entry.base_instructions.replace(/,? based on GPT-[\w.-]*\w/g, '');
  }
  Object.assign(entry, {
    slug: options.model,
    display_name: options.model,
    description: `${options.model} through codex-bridge`,
    visibility: 'list',
    supported_in_api: true,
    apply_patch_tool_type: 'freeform',
    experimental_supported_tools: [],
    context_window: contextWindow,
  });
  // Only where the template has them, so the minimal entry stays minimal.
  const overrideIfPresent: Record<string, unknown> = {
    max_context_window: contextWindow,
    supports_search_tool: false,
    use_responses_lite: false,
    supports_image_detail_original: false,
    additional_speed_tiers: [],
    service_tiers: [],
    availability_nux: null,
    upgrade: null,
  };
  for (const [key, value] of Object.entries(overrideIfPresent)) {
    if (key in entry) entry[key] = value;
  }
  return { models: [entry as CatalogEntry] };
}

/** The smallest entry Codex 0.169 accepts (base_instructions is required). */
export function minimalCatalogEntry(model: string): CatalogEntry {
  return {
    slug: model,
    display_name: model,
    supported_reasoning_levels: [
      { effort: 'low', description: 'Fast responses with lighter reasoning' },
      { effort: 'medium', description: 'Balances speed and reasoning depth for everyday tasks' },
      { effort: 'high', description: 'Greater reasoning depth for complex problems' },
    ],
    shell_type: 'shell_command',
    visibility: 'list',
    supported_in_api: true,
    priority: 1,
    support_verbosity: false,
    truncation_policy: { mode: 'tokens', limit: 10_000 },
    experimental_supported_tools: [],
    apply_patch_tool_type: 'freeform',
    base_instructions: FALLBACK_BASE_INSTRUCTIONS,
    context_window: DEFAULT_CONTEXT_WINDOW,
  };
}

export const FALLBACK_BASE_INSTRUCTIONS = `You are Codex, a coding agent running in a terminal on the user's computer. You and the user share one workspace; your job is to carry their request through to a working result.

# How you work
- Read the relevant code before changing it. Keep changes focused on the task, consistent with the existing style, and as small as they can be while still being complete.
- Use the shell tool to inspect files, run builds and tests, and check your work. Prefer fast tools such as \`rg\` for searching.
- Edit files with the apply_patch tool. A patch starts with \`*** Begin Patch\` and ends with \`*** End Patch\`; inside it, \`*** Add File: <path>\` (every line prefixed with +), \`*** Update File: <path>\` (hunks starting with @@, context lines prefixed with a space, removed lines with -, added lines with +) and \`*** Delete File: <path>\`.
- Never revert changes you did not make, and never run destructive commands (such as \`git reset --hard\`) unless the user asked for them.
- When a command fails, read the error and fix the cause instead of retrying blindly.

# Talking to the user
- Be concise and direct. Before a group of related tool calls, say in one short sentence what you are about to do.
- When you finish, summarise what you changed and how you verified it, and mention anything left undone. Reference files by path.
`;
