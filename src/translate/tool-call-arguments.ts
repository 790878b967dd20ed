import { CUSTOM_TOOL_ARGUMENT } from './convert-to-chat-tools.js';

/** Whether streamed arguments are complete JSON (a call cut off mid-arguments is not). */
export function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The raw text of a freeform tool call: `{"input": "..."}` as exposed, or raw text if the model ignored that. */
export function customToolInput(args: string): string {
  try {
    const parsed = JSON.parse(args) as unknown;
    if (parsed && typeof parsed === 'object' && typeof (parsed as Record<string, unknown>)[CUSTOM_TOOL_ARGUMENT] === 'string') {
      return (parsed as Record<string, string>)[CUSTOM_TOOL_ARGUMENT];
    }
    if (typeof parsed === 'string') return parsed;
  } catch {
    // not JSON: the model sent the patch itself
  }
  return args;
}
