import type { QuirkProfile } from './quirk-profile.js';

// Ollama (docs.ollama.com/api/openai-compatibility; its openai.go Message has a `reasoning` field):
// thinking models stream `reasoning` deltas and accept `reasoning` on assistant messages; the listed
// request fields include stream_options.include_usage, reasoning_effort, tools and image parts.
export const ollama: QuirkProfile = {
  id: 'ollama',
  name: 'Ollama',
  match: { hosts: [], ports: ['11434'] },
  quirks: {
    reasoningField: 'reasoning',
    reasoningReplay: 'all',
  },
};
