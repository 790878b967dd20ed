import { closestNames } from '../output/did-you-mean.js';

// Built-in providers: where each one lives, which variable holds its key, and a model to start
// with. `--provider <id>` (or a saved `provider`) fills in whatever the flags, the environment and
// the saved config leave open. The quirk switches for each id live in src/providers/quirks/.
//
// Default models were checked against the providers' model lists and deprecation notices in
// November 2026; a retired one shows up in `codex-bridge doctor`, with close matches from the
// provider's own list.

export interface ProviderPreset {
  /** What `--provider` takes. The quirk profiles use the same ids. */
  id: string;
  /** For messages: "DeepSeek", "Kimi (Moonshot)", … */
  name: string;
  /** Chat Completions base URL (no trailing slash). */
  upstream: string;
  /** The variable that holds the key; unset for local servers that take none. */
  apiKeyEnv?: string;
  /** The key variable is only used when set (a local server started with an API key). */
  keyOptional?: boolean;
  /** The model used when none is given. */
  model: string;
  /** Where to get a key, or how to start the server. */
  keyHelp?: string;
  /** Runs on this machine: an unreachable upstream means the server is not started. */
  local?: boolean;
  /** How to start the local server (doctor's fix when it cannot be reached). */
  startHint?: string;
  /** Known quirks, for people (the switches themselves are in src/providers/quirks/). */
  notes: string;
}

export const PROVIDER_PRESETS: readonly ProviderPreset[] = Object.freeze([
  {
    id: 'deepseek',
    name: 'DeepSeek',
    upstream: 'https://api.deepseek.com/v1',
    apiKeyEnv: 'DEEPSEEK_API_KEY',
    model: 'deepseek-v4-flash',
    keyHelp: 'https://platform.deepseek.com/api_keys',
    notes:
      'Thinking is on by default; reasoning comes in reasoning_content and must be sent back on tool-call turns. Text only (no images). 402 means the balance is used up. deepseek-chat / deepseek-reasoner were retired in July 2026.',
  },
  {
    id: 'kimi',
    name: 'Kimi (Moonshot)',
    upstream: 'https://api.moonshot.ai/v1',
    apiKeyEnv: 'MOONSHOT_API_KEY',
    model: 'kimi-k2.6',
    keyHelp: 'https://platform.moonshot.ai/console/api-keys',
    notes:
      'Thinking models need their reasoning_content replayed on tool-call messages. Keys from platform.moonshot.cn need --upstream https://api.moonshot.cn/v1.',
  },
  {
    id: 'qwen',
    name: 'Qwen (DashScope)',
    upstream: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
    apiKeyEnv: 'DASHSCOPE_API_KEY',
    model: 'qwen-plus',
    keyHelp: 'https://modelstudio.console.alibabacloud.com/?tab=api#/api',
    notes:
      'Mainland-China keys need --upstream https://dashscope.aliyuncs.com/compatible-mode/v1. Thinking is switched with enable_thinking, not reasoning_effort; only one leading system message.',
  },
  {
    id: 'glm',
    name: 'GLM (Zhipu)',
    upstream: 'https://open.bigmodel.cn/api/paas/v4',
    apiKeyEnv: 'ZHIPUAI_API_KEY',
    model: 'glm-4.7',
    keyHelp: 'https://open.bigmodel.cn/usercenter/proj-mgmt/apikeys',
    notes:
      'Z.ai (international) keys need --upstream https://api.z.ai/api/paas/v4. Reasoning in reasoning_content; no reasoning_effort, parallel_tool_calls or strict tools.',
  },
  {
    id: 'openrouter',
    name: 'OpenRouter',
    upstream: 'https://openrouter.ai/api/v1',
    apiKeyEnv: 'OPENROUTER_API_KEY',
    model: 'deepseek/deepseek-v4-flash',
    keyHelp: 'https://openrouter.ai/settings/keys',
    notes:
      'Model ids are vendor/model. Reasoning comes in the `reasoning` field; what else works depends on the provider a request is routed to. Mid-stream errors arrive as a 200 with finish_reason "error".',
  },
  {
    id: 'groq',
    name: 'Groq',
    upstream: 'https://api.groq.com/openai/v1',
    apiKeyEnv: 'GROQ_API_KEY',
    model: 'openai/gpt-oss-120b',
    keyHelp: 'https://console.groq.com/keys',
    notes:
      'Reasoning (parsed) comes in `reasoning`; usage may come in x_groq.usage. llama-3.3-70b-versatile was shut down in August 2026. A failed tool call can end a stream with tool_use_failed.',
  },
  {
    id: 'mistral',
    name: 'Mistral',
    upstream: 'https://api.mistral.ai/v1',
    apiKeyEnv: 'MISTRAL_API_KEY',
    model: 'mistral-large-latest',
    keyHelp: 'https://console.mistral.ai/api-keys',
    notes:
      'Tool-call ids must be 9 alphanumerics; unknown request fields (stream_options, reasoning_content) are refused with 422. Magistral streams thinking as content parts.',
  },
  {
    id: 'xai',
    name: 'xAI (Grok)',
    upstream: 'https://api.x.ai/v1',
    apiKeyEnv: 'XAI_API_KEY',
    model: 'grok-4.3',
    keyHelp: 'https://console.x.ai',
    notes: 'Some Grok reasoning models refuse reasoning_effort; reasoning is not needed back. grok-4-0709 and grok-3 were retired in May 2026.',
  },
  {
    id: 'gemini',
    name: 'Gemini (OpenAI compatibility)',
    upstream: 'https://generativelanguage.googleapis.com/v1beta/openai',
    apiKeyEnv: 'GEMINI_API_KEY',
    model: 'gemini-3.5-flash',
    keyHelp: 'https://aistudio.google.com/apikey',
    notes:
      'reasoning_effort takes none/low/medium/high; /models lists ids as models/<id>. Errors may come as a JSON array; streams may end without [DONE]. gemini-2.5-flash was retired in 2026.',
  },
  {
    id: 'ollama',
    name: 'Ollama',
    upstream: 'http://127.0.0.1:11434/v1',
    model: 'gpt-oss:20b',
    local: true,
    startHint: 'start it with `ollama serve`, and fetch the model with `ollama pull gpt-oss:20b`',
    notes: 'No key. Thinking models stream `reasoning`. Pull the model first; pass --model for another one (`ollama list`).',
  },
  {
    id: 'lmstudio',
    name: 'LM Studio',
    upstream: 'http://127.0.0.1:1234/v1',
    model: 'openai/gpt-oss-20b',
    local: true,
    startHint: 'start the server in LM Studio (Developer tab, or `lms server start`) and load the model',
    notes: 'No key. Thinking may arrive as <think>…</think> inside content; many chat templates accept only one leading system message. Pass --model with the id LM Studio shows.',
  },
  {
    id: 'vllm',
    name: 'vLLM',
    upstream: 'http://127.0.0.1:8000/v1',
    apiKeyEnv: 'VLLM_API_KEY',
    keyOptional: true,
    model: 'openai/gpt-oss-20b',
    local: true,
    startHint: 'start it with `vllm serve <model>`',
    notes:
      'The key is only needed if the server was started with --api-key (VLLM_API_KEY). Pass --model with the id it serves. Without --reasoning-parser, thinking stays in content as <think>…</think>.',
  },
] satisfies ProviderPreset[]);

export const PRESET_IDS: readonly string[] = PROVIDER_PRESETS.map((preset) => preset.id);

export function findPreset(id: string): ProviderPreset | undefined {
  return PROVIDER_PRESETS.find((preset) => preset.id === id);
}

/** "deepseek, kimi, …, vllm": for messages that list the choices. */
export function presetIdList(): string {
  return PRESET_IDS.join(', ');
}

/** A provider id that is not a preset, as one line: the closest ids ("did you mean"), then the list. */
export function unknownProviderMessage(value: string, where?: string): string {
  const similar = closestNames(value, PRESET_IDS);
  const guess = similar.length > 0 ? `did you mean ${similar.join(' or ')}? ` : '';
  return `unknown provider "${value}"${where ? ` (${where})` : ''} — ${guess}the presets are: ${presetIdList()}`;
}

/**
 * The presets whose key variable holds something: what a zero-config start picks from. Presets
 * without a key, or with an optional one (vLLM), never count: their variable says nothing about
 * which provider was meant.
 */
export function presetsWithKeySet(env: NodeJS.ProcessEnv): ProviderPreset[] {
  return PROVIDER_PRESETS.filter((preset) => preset.apiKeyEnv && !preset.keyOptional && Boolean(env[preset.apiKeyEnv]));
}
