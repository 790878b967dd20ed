import type { QuirkProfile } from './quirk-profile.js';

// GLM (Zhipu open.bigmodel.cn, Z.ai api.z.ai): GLM-4.5 and later stream thinking in
// `reasoning_content` and switch it with `thinking: {type}`; reasoning_effort, parallel_tool_calls
// and `strict` are not in GLM's chat API reference, so they are left out rather than risk a 400.
// finish_reason adds `sensitive` (content filter, known to every profile) and `network_error`.
export const glm: QuirkProfile = {
  id: 'glm',
  name: 'GLM (Zhipu / Z.ai)',
  match: { hosts: ['open.bigmodel.cn', 'api.z.ai'] },
  quirks: {
    reasoningField: 'reasoning_content',
    reasoningEffortValues: [],
    parallelToolCalls: false,
    strictTools: false,
    finishReasons: { network_error: 'error' },
  },
};
