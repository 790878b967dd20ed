import type { QuirkProfile } from './quirk-profile.js';

// xAI (docs.x.ai/docs/guides/reasoning): grok-3-mini takes reasoning_effort low|high and streams
// `reasoning_content`; grok-4 reasoning models refuse the parameter ("Model … does not support
// parameter reasoningEffort"), which the adaptive fallback then drops. Reasoning is not needed back.
// Usage arrives on the second-to-last chunk (BerriAI/litellm#17136), which is fine: it is read from
// whichever chunk carries it. reasoning_tokens are counted apart from completion_tokens ("separated
// from the completion_tokens", cloud.google.com/vertex-ai/generative-ai/docs/partner-models/grok).
export const xai: QuirkProfile = {
  id: 'xai',
  name: 'xAI (Grok)',
  match: { hosts: ['api.x.ai'] },
  quirks: {
    reasoningField: 'reasoning_content',
    reasoningReplay: 'none',
    reasoningEffortValues: ['low', 'high'],
    reasoningTokensSeparate: true,
  },
};
