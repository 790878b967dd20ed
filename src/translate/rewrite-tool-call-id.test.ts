import { describe, expect, it } from 'vitest';
import { ALNUM9_TOOL_CALL_ID, toAlnum9ToolCallId } from './rewrite-tool-call-id.js';

describe('toAlnum9ToolCallId', () => {
  it('turns any id into 9 alphanumerics, the same way every time', () => {
    for (const id of ['call_1', 'call_0fypS1hVX', 'functions.exec_command:0', 'chatcmpl-tool-1f0e9d', '', 'é😀', 'x'.repeat(500)]) {
      const rewritten = toAlnum9ToolCallId(id);
      expect(rewritten, id).toMatch(ALNUM9_TOOL_CALL_ID);
      expect(toAlnum9ToolCallId(id)).toBe(rewritten);
    }
  });

  it("keeps ids that are already valid (Mistral's own ids replayed by Codex)", () => {
    expect(toAlnum9ToolCallId('D681PevKs')).toBe('D681PevKs');
  });

  it('keeps different ids apart, and a salt gives another candidate', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `call_${i}`);
    expect(new Set(ids.map((id) => toAlnum9ToolCallId(id))).size).toBe(ids.length);
    expect(toAlnum9ToolCallId('call_1', 1)).not.toBe(toAlnum9ToolCallId('call_1'));
    expect(toAlnum9ToolCallId('D681PevKs', 1)).toMatch(ALNUM9_TOOL_CALL_ID);
    expect(toAlnum9ToolCallId('D681PevKs', 1)).not.toBe('D681PevKs');
  });
});
