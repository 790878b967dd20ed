import type { QuirkProfile } from './quirk-profile.js';

// Kimi / Moonshot (platform.moonshot.cn/docs/guide/use-kimi-k2-thinking-model): kimi-k2-thinking and
// kimi-k2.5 put their thinking in `reasoning_content`, and a multi-step tool loop must keep it in
// context: "reasoning_content is missing in assistant tool call message at index N" otherwise. It is
// replayed on every assistant message that had it. Tool-call ids look like `functions.name:0`; they
// pass through untouched. Stream usage comes inside the finishing choice (`choices[0].usage`,
// northes/go-moonshot#17), which every profile reads.
export const kimi: QuirkProfile = {
  id: 'kimi',
  name: 'Kimi (Moonshot)',
  match: { hosts: ['api.moonshot.ai', 'api.moonshot.cn'] },
  quirks: {
    reasoningField: 'reasoning_content',
    reasoningReplay: 'all',
  },
};
