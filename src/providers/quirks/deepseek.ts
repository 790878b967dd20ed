import type { QuirkProfile } from './quirk-profile.js';

// DeepSeek (api-docs.deepseek.com/guides/thinking_mode): thinking is on by default; reasoning comes in
// `reasoning_content`; in a turn that called tools, every assistant message's reasoning_content must
// be passed back ("The reasoning_content in the thinking mode must be passed back to the API"), in
// other turns it is ignored, so replaying all of it is safe. reasoning_effort takes low/high/max and
// maps minimal/medium/xhigh itself, so the default low/medium/high is accepted. The chat API is text
// only: an image part is refused ("unknown variant `image_url`, expected `text`"). finish_reason may be
// `insufficient_system_resource` (api-docs.deepseek.com/api/create-chat-completion).
export const deepseek: QuirkProfile = {
  id: 'deepseek',
  name: 'DeepSeek',
  match: { hosts: ['api.deepseek.com'] },
  quirks: {
    reasoningField: 'reasoning_content',
    reasoningReplay: 'all',
    imageInput: false,
    finishReasons: { insufficient_system_resource: 'error' },
  },
};
