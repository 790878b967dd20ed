import type { QuirkProfile } from './quirk-profile.js';

// vLLM (docs.vllm.ai, reasoning parsers): started with --reasoning-parser, reasoning streams in
// `reasoning_content` (`reasoning` in newer releases); without one, a thinking model's `<think>…</think>`
// stays in `content`. All three are read. The model's chat template renders the prompt, and common
// ones (Qwen: "System message must be at the beginning.") accept only a leading system message.
// Mistral models served by vLLM want 9-character tool-call ids: `--quirk toolCallIdFormat=alnum9`.
export const vllm: QuirkProfile = {
  id: 'vllm',
  name: 'vLLM',
  match: { hosts: [], ports: ['8000'] },
  quirks: {
    reasoningField: 'think-tags',
    singleSystemMessage: true,
  },
};
