import type { QuirkProfile } from './quirk-profile.js';

// OpenRouter (openrouter.ai/docs/use-cases/reasoning-tokens, /docs/api-reference/streaming,
// /docs/errors): reasoning appears in the `reasoning` field of each message and delta, and is passed
// back the same way to keep it across tool calls. Thinking models also send `reasoning_details`
// (signed Anthropic thinking, encrypted Gemini and OpenAI blocks), which must come back unchanged on
// the assistant message; every profile reads and replays them. Errors after the stream started arrive as a data
// event with an `error` field and finish_reason "error" (HTTP status stays 200); ": OPENROUTER
// PROCESSING" comments keep the connection open (the SSE parser drops them). Files are read from chat
// `file` parts, `{filename, file_data}` with a data URL or a URL, for every model (openrouter.ai/docs/
// features/multimodal/pdfs: PDFs are parsed for models that take none natively).
export const openrouter: QuirkProfile = {
  id: 'openrouter',
  name: 'OpenRouter',
  match: { hosts: ['openrouter.ai'] },
  quirks: {
    reasoningField: 'reasoning',
    reasoningReplay: 'all',
    finishReasons: { error: 'error' },
    fileInput: 'file',
  },
};
