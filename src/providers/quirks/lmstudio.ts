import type { QuirkProfile } from './quirk-profile.js';

// LM Studio's OpenAI-compatible server: depending on the model and the "separate reasoning_content"
// setting, thinking arrives in `reasoning_content` or as `<think>…</think>` inside `content`
// (lmstudio-ai/lmstudio-bug-tracker#1569); both are read. It renders prompts with the model's Jinja
// chat template, and many (Qwen, Llama) accept only one, leading, system message.
export const lmstudio: QuirkProfile = {
  id: 'lmstudio',
  name: 'LM Studio',
  match: { hosts: [], ports: ['1234'] },
  quirks: {
    reasoningField: 'think-tags',
    singleSystemMessage: true,
  },
};
