import type { QuirkProfile } from './quirk-profile.js';

// Gemini's OpenAI-compatible endpoint (ai.google.dev/gemini-api/docs/openai): reasoning_effort must be
// one of "high, low, medium, none" ("Invalid reasoning_effort: minimal", discuss.ai.google.dev
// 117875), so minimal is clamped to low and Codex's none is sent as none. Errors come as a JSON array
// `[{"error":{…}}]` and unknown fields as `Unknown name "x": Cannot find field.` (both understood by
// the error mapping and the adaptive fallback). Streams may end without `data: [DONE]`
// (windingwind/zotero-pdf-translate#806); a finish_reason is then the end, as for every profile.
// Gemini 3 signs the first tool call of each answer (`extra_content.google.thought_signature`,
// ai.google.dev/gemini-api/docs/thought-signatures) and refuses a replayed call without it: every
// upstream's extra_content goes back on its call, and an unsigned history gets Gemini's documented
// placeholder after the first refusal (adaptive-message-shape.ts).
export const gemini: QuirkProfile = {
  id: 'gemini',
  name: 'Gemini (OpenAI compatibility)',
  match: { hosts: ['generativelanguage.googleapis.com'] },
  quirks: {
    reasoningEffortValues: ['none', 'low', 'medium', 'high'],
    doneMarker: 'optional',
  },
};
