import type { QuirkProfile } from './quirk-profile.js';

// Mistral (docs.mistral.ai/api): tool-call ids must be "a-z, A-Z, 0-9, with a length of 9" (400
// otherwise: langchain-ai/langchain#24668, anomalyco/opencode#1680), so they are rewritten and mapped
// back. The API refuses unknown fields with 422 extra_forbidden ("Extra inputs are not permitted"):
// `stream_options` is not in its schema, nor `reasoning_content` on an assistant message
// (charmbracelet/crush#1590), so neither is sent; usage still comes in the last chunk. Magistral
// streams thinking as `{"type":"thinking"}` content parts (read by every profile). finish_reason adds
// `model_length` (context full) and `error`.
export const mistral: QuirkProfile = {
  id: 'mistral',
  name: 'Mistral',
  match: { hosts: ['api.mistral.ai'] },
  quirks: {
    toolCallIdFormat: 'alnum9',
    streamOptions: false,
    reasoningReplay: 'none',
    finishReasons: { model_length: 'length', error: 'error' },
  },
};
