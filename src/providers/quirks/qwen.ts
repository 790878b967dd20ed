import type { QuirkProfile } from './quirk-profile.js';

// Qwen on DashScope's compatible mode (alibabacloud.com/help/en/model-studio, "OpenAI compatible"):
// thinking is switched with `enable_thinking` / `thinking_budget`, not reasoning_effort, so that is
// not sent; reasoning streams in `reasoning_content`. Qwen chat templates raise "System message must
// be at the beginning." for any other system message, so Codex's developer messages are merged into
// one leading system message.
export const qwen: QuirkProfile = {
  id: 'qwen',
  name: 'Qwen (DashScope)',
  match: { hosts: [/^dashscope[a-z0-9-]*\.aliyuncs\.com$/] },
  quirks: {
    reasoningField: 'reasoning_content',
    singleSystemMessage: true,
    reasoningEffortValues: [],
  },
};
