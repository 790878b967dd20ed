// What makes a Responses event stream acceptable to Codex (codex-protocol.md §5), as a checker the
// provider tests share.
import type { ResponsesResponse, ResponsesStreamEvent } from '../../src/translate/types.js';

/** Problems with a stream Codex is to receive; empty when it is acceptable. */
export function codexStreamProblems(events: ResponsesStreamEvent[]): string[] {
  const problems: string[] = [];
  const types = events.map((e) => e.type);
  if (types[0] !== 'response.created' || types[1] !== 'response.in_progress') problems.push(`starts with ${types.slice(0, 2).join(', ')}`);
  const last = events.at(-1) as { type: string; response?: Record<string, any> } | undefined;
  const end = last?.type;
  const terminal = ['response.completed', 'response.incomplete', 'response.failed'];
  if (!terminal.includes(end ?? '')) problems.push(`ends with ${end}`);
  if (types.filter((t) => terminal.includes(t)).length !== 1) problems.push('more than one terminal event');
  if (types.includes('error')) problems.push('sends error');
  // Incomplete only for the output limit: Codex loops on other reasons (codex-protocol.md §5).
  if (end === 'response.incomplete' && last?.response?.incomplete_details?.reason !== 'max_output_tokens') {
    problems.push(`incomplete for ${JSON.stringify(last?.response?.incomplete_details)}`);
  }
  if (typeof last?.response?.id !== 'string') problems.push('the final response has no id');

  if (end === 'response.completed' || end === 'response.incomplete') {
    // Every item added is done, after it was added, with the same id; the response lists exactly those.
    const added = new Map<number, { index: number; id: unknown }>();
    const done: Array<{ outputIndex: number; item: Record<string, any> }> = [];
    events.forEach((e, index) => {
      if (e.type === 'response.output_item.added') added.set(e.output_index as number, { index, id: (e.item as { id?: unknown }).id });
      if (e.type === 'response.output_item.done') {
        const opened = added.get(e.output_index as number);
        const item = e.item as Record<string, any>;
        if (!opened || opened.index > index) problems.push(`item ${String(e.output_index)} done without being added first`);
        else if (opened.id !== item.id) problems.push(`item ${String(e.output_index)} changed id`);
        done.push({ outputIndex: e.output_index as number, item });
      }
    });
    for (const outputIndex of added.keys()) if (!done.some((d) => d.outputIndex === outputIndex)) problems.push(`item ${outputIndex} added but never done`);
    const output = last!.response!.output as Array<{ id: string }>;
    const doneIds = done.sort((a, b) => a.outputIndex - b.outputIndex).map((d) => d.item.id);
    if (JSON.stringify(output.map((o) => o.id)) !== JSON.stringify(doneIds)) problems.push('response.output differs from the items done');
    for (const { item } of done) {
      if (item.type === 'function_call') {
        if (typeof item.call_id !== 'string' || item.call_id === '') problems.push(`${item.id} has no call_id`);
        try {
          JSON.parse(item.arguments);
        } catch {
          problems.push(`${item.id} arguments are not JSON: ${item.arguments}`);
        }
      }
      if (item.type === 'reasoning' && typeof item.encrypted_content !== 'string') problems.push(`${item.id} has no encrypted_content`);
    }
    for (const e of events) {
      if (e.type === 'response.reasoning_summary_text.delta' && typeof e.summary_index !== 'number') problems.push('a summary delta without summary_index');
    }
    const usage = last!.response!.usage as Record<string, any> | null;
    const integers = usage && [usage.input_tokens, usage.output_tokens, usage.total_tokens, usage.input_tokens_details?.cached_tokens, usage.output_tokens_details?.reasoning_tokens];
    if (!integers || !integers.every((n) => Number.isInteger(n) && n >= 0)) problems.push(`usage is not Codex-shaped: ${JSON.stringify(usage)}`);
  } else if (end === 'response.failed') {
    const error = last?.response?.error;
    if (typeof error?.code !== 'string' || typeof error?.message !== 'string') problems.push(`failed without a code and message: ${JSON.stringify(error)}`);
  }
  return problems;
}

/** The response the stream ended with (`response.completed`, `response.incomplete` or `response.failed`). */
export function finalResponse(events: ResponsesStreamEvent[]): ResponsesResponse {
  const last = events.at(-1);
  if (typeof last?.response !== 'object' || last.response === null) throw new Error(`the stream ends with ${last?.type}, which carries no response`);
  return last.response as ResponsesResponse;
}

/** The items of the final response. */
export function outputOf(events: ResponsesStreamEvent[]): Array<Record<string, any>> {
  return ((events.at(-1) as { response?: { output?: unknown[] } })?.response?.output ?? []) as Array<Record<string, any>>;
}
