// Each provider as a mock upstream: the rules its real API enforces (a request it would refuse is
// refused here too) and the shape of its answers. Sources are cited in src/providers/quirks/<id>.ts.
import type { MockRules } from '../helpers/mock-upstream.js';

export interface ProviderMock {
  id: string;
  rules: MockRules;
  /** Whether the provider shows the model's reasoning at all through its chat API. */
  exposesReasoning: boolean;
  /** xAI counts reasoning_tokens apart from completion_tokens (the scripts' usage is OpenAI-style). */
  reasoningTokensSeparate?: boolean;
}

const MISTRAL_TOOL_CALL_ID = /^[a-zA-Z0-9]{9}$/;

export const PROVIDER_MOCKS: ProviderMock[] = [
  // Thinking mode: tool-call turns must carry reasoning_content back; text-only API.
  { id: 'deepseek', exposesReasoning: true, rules: { reasoning: 'deepseek', reasoningField: 'reasoning_content', rejectImages: true } },
  // K2 thinking: every assistant message that had reasoning must carry it; usage inside the choice.
  { id: 'kimi', exposesReasoning: true, rules: { reasoning: 'kimi', reasoningField: 'reasoning_content', usageIn: 'choice' } },
  // Qwen's chat template: "System message must be at the beginning."
  { id: 'qwen', exposesReasoning: true, rules: { reasoningField: 'reasoning_content', singleLeadingSystem: true } },
  { id: 'glm', exposesReasoning: true, rules: { reasoningField: 'reasoning_content' } },
  // In front of Anthropic: reasoning and reasoning_details, and a tool-call turn must carry its signed thinking block back.
  { id: 'openrouter', exposesReasoning: true, rules: { reasoningField: 'reasoning', withReasoningDetails: true, reasoning: 'anthropic' } },
  // messages[].name refused; parsed reasoning in `reasoning`; usage in x_groq.
  { id: 'groq', exposesReasoning: true, rules: { reasoningField: 'reasoning', usageIn: 'x_groq', rejectMessageFields: ['name'] } },
  // 9-character ids; pydantic-strict: stream_options and reasoning fields on messages → 422.
  {
    id: 'mistral',
    exposesReasoning: true,
    rules: {
      reasoningField: 'thinking-parts',
      requireToolCallIdPattern: MISTRAL_TOOL_CALL_ID,
      toolCallIdStyle: 'alnum9',
      rejectFields: ['stream_options'],
      rejectMessageFields: ['reasoning_content', 'reasoning'],
      rejectionStyle: 'mistral',
      streamUsage: 'always',
    },
  },
  // grok-3-mini: reasoning_effort low|high only.
  { id: 'xai', exposesReasoning: true, reasoningTokensSeparate: true, rules: { reasoningField: 'reasoning_content', allowedReasoningEfforts: ['low', 'high'] } },
  // reasoning_effort none|low|medium|high; no [DONE]; whole, index-less tool calls; thoughts hidden;
  // Gemini 3 signs the first call of each answer and refuses a replayed call without its signature.
  { id: 'gemini', exposesReasoning: false, rules: { allowedReasoningEfforts: ['none', 'low', 'medium', 'high'], omitDone: true, omitToolCallIndex: true, rejectionStyle: 'gemini', thoughtSignatures: true } },
  { id: 'ollama', exposesReasoning: true, rules: { reasoningField: 'reasoning' } },
  // Jinja chat templates: one leading system message; <think> in content.
  { id: 'lmstudio', exposesReasoning: true, rules: { reasoningField: 'think-tags', singleLeadingSystem: true } },
  { id: 'vllm', exposesReasoning: true, rules: { reasoningField: 'think-tags', singleLeadingSystem: true } },
];

export function providerMock(id: string): ProviderMock {
  const mock = PROVIDER_MOCKS.find((m) => m.id === id);
  if (!mock) throw new Error(`no provider mock ${id}`);
  return mock;
}
