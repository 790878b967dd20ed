// How one Chat Completions provider bends the protocol, as a small set of named switches. The
// translators take these as an option; DEFAULT_QUIRKS reproduces the bridge's behaviour from before
// quirks existed, so a provider without a profile is translated exactly as before.
//
// Always on, for every provider (no switch needed):
// - assistant and tool message content is a string (never a content-part array);
// - an `{"error": …}` inside a 200 stream, or finish_reason "error", ends the response as failed;
// - reasoning is read from `reasoning_content` or `reasoning`, whichever arrives, from
//   Magistral-style `{"type":"thinking"}` content parts, from OpenRouter's `reasoning_details`, and
//   from a `<think>` block that opens the content;
// - `reasoning_details` and a tool call's `extra_content` (Gemini's thought signature) go back
//   unchanged, where they came from;
// - a finish_reason `length` ends the response incomplete (max_output_tokens);
// - usage is read from `usage`, from Groq's `x_groq.usage`, or from Kimi's `choices[0].usage`.

/** What a provider-specific finish_reason means. */
export type CanonicalFinishReason = 'stop' | 'tool_calls' | 'length' | 'content_filter' | 'error';

export interface ProviderQuirks {
  /**
   * Where the provider puts reasoning, both ways. `reasoning_content` (DeepSeek, Kimi, Qwen, GLM)
   * or `reasoning` (OpenRouter, Ollama, Groq parsed): the field replayed on assistant messages.
   * `think-tags`: a reasoning model whose `<think>…</think>` leaks into `content` (vLLM without a
   * reasoning parser, LM Studio); replayed as reasoning_content, and blank content it leaves before
   * a tool call is dropped. (A leading `<think>` block is parsed out for every upstream.)
   */
  reasoningField: 'reasoning_content' | 'reasoning' | 'think-tags';
  /** Which replayed assistant messages carry their reasoning: all that had it, only tool-call ones, none. */
  reasoningReplay: 'all' | 'tool-calls' | 'none';
  /** Merge every system message into one leading system message (chat templates that refuse others). */
  singleSystemMessage: boolean;
  /** Send Codex's developer messages with role `developer` instead of `system`. */
  developerRole: boolean;
  /** Keep `strict` on function tools and json_schema formats (false: strip it). */
  strictTools: boolean;
  /** Send `parallel_tool_calls` (false: leave it out). */
  parallelToolCalls: boolean;
  /** The reasoning_effort values the provider accepts; Codex's effort is clamped to the nearest. Empty: never send it. */
  reasoningEffortValues: string[];
  /** Send `stream_options: {include_usage: true}` on streamed requests. */
  streamOptions: boolean;
  /** Images may be sent (false: each image becomes a short text note). */
  imageInput: boolean;
  /**
   * `input_file` parts. `file`: sent as chat `file` parts (providers that read files). `text`: a text
   * file is inlined, a PDF's extracted text is sent marked as such, any other file is a 400.
   */
  fileInput: 'file' | 'text';
  /** `any`: tool-call ids pass through. `alnum9`: rewritten to 9 alphanumerics (Mistral), restored on the way back. */
  toolCallIdFormat: 'any' | 'alnum9';
  /** Longest function name the provider accepts; longer flattened names are shortened with a hash. */
  toolNameMaxLength: number;
  /** `optional`: a stream that ends with a finish_reason but no `[DONE]` is complete. `required`: it is cut. */
  doneMarker: 'optional' | 'required';
  /** Provider-specific finish_reason values and what they mean (on top of the common ones). */
  finishReasons: Record<string, CanonicalFinishReason>;
  /** Usage counts reasoning_tokens outside completion_tokens (xAI): output tokens are their sum. */
  reasoningTokensSeparate: boolean;
}

export const DEFAULT_QUIRKS: Readonly<ProviderQuirks> = Object.freeze({
  reasoningField: 'reasoning_content',
  reasoningReplay: 'all',
  singleSystemMessage: false,
  developerRole: false,
  strictTools: true,
  parallelToolCalls: true,
  reasoningEffortValues: ['low', 'medium', 'high'],
  streamOptions: true,
  imageInput: true,
  fileInput: 'text',
  toolCallIdFormat: 'any',
  toolNameMaxLength: 64,
  doneMarker: 'optional',
  finishReasons: {},
  reasoningTokensSeparate: false,
}) as Readonly<ProviderQuirks>;

/** Defaults with `overrides` on top (undefined entries ignored). */
export function withQuirks(...layers: Array<Partial<ProviderQuirks> | undefined>): ProviderQuirks {
  const out: ProviderQuirks = { ...DEFAULT_QUIRKS, reasoningEffortValues: [...DEFAULT_QUIRKS.reasoningEffortValues], finishReasons: {} };
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer) as Array<[keyof ProviderQuirks, unknown]>) {
      if (value === undefined) continue;
      if (key === 'finishReasons') out.finishReasons = { ...out.finishReasons, ...(value as Record<string, CanonicalFinishReason>) };
      else (out as unknown as Record<string, unknown>)[key] = Array.isArray(value) ? [...value] : value;
    }
  }
  return out;
}
