import type { ResponsesOutputItem } from '../../src/translate/types.js';

/** One assistant turn of a response's output, as the bridge's translator writes it: its reasoning, then its text, then its calls. */
export function assistantTurn(turn: { reasoning?: string; text?: string; callIds?: string[] }): ResponsesOutputItem[] {
  const items: ResponsesOutputItem[] = [];
  if (turn.reasoning !== undefined) items.push({ type: 'reasoning', id: `rs_${items.length}`, summary: [{ type: 'summary_text', text: turn.reasoning }] });
  if (turn.text !== undefined) {
    items.push({ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: turn.text, annotations: [] }] });
  }
  for (const callId of turn.callIds ?? []) items.push({ type: 'function_call', id: `fc_${callId}`, call_id: callId, name: 'f', arguments: '{}', status: 'completed' });
  return items;
}
