import type { QuirkProfile } from './quirk-profile.js';

// Groq (console.groq.com/docs/openai, /docs/reasoning): "logprobs, logit_bias, top_logprobs,
// messages[].name … will result in a 400" (the bridge sends none of them). With tools, reasoning
// models default to reasoning_format "parsed": the reasoning arrives in a `reasoning` field. Groq does
// not need it back, so it is not replayed. Usage comes in `x_groq.usage` on the last chunk
// (vercel/ai#1651), or in `usage` with include_usage; both are read. reasoning_effort differs per
// model (gpt-oss: low/medium/high; qwen3: none/default): the adaptive fallback drops it where refused.
// A failed tool call can end a 200 stream with {"error":{"code":"tool_use_failed",…}}.
export const groq: QuirkProfile = {
  id: 'groq',
  name: 'Groq',
  match: { hosts: ['api.groq.com'] },
  quirks: {
    reasoningField: 'reasoning',
    reasoningReplay: 'none',
  },
};
