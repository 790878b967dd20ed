import { describe, expect, it } from 'vitest';
import { MessageShapeFallback, refusedMessageShape, reshapeRequest, type MessageShapeRule } from './adaptive-message-shape.js';
import type { ChatRequest } from '../../translate/types.js';

const none = new Set<MessageShapeRule>();

// The texts real servers send, from the bug reports named beside each. Where a report shows only
// the template's words (its raise_exception), they are wrapped in vLLM's error body.
const REFUSALS: Array<[string, number, string, MessageShapeRule]> = [
  // QwenLM chat template through vLLM (its Jinja raise_exception)
  ['vLLM, Qwen template', 400, '{"object":"error","message":"System message must be at the beginning.","type":"BadRequestError","param":null,"code":400}', 'single-system'],
  // microsoft/autogen#1037 (vLLM, Mistral-7B-Instruct-v0.2)
  ['vLLM, Mistral template', 400, "{'object': 'error', 'message': 'Conversation roles must alternate user/assistant/user/assistant/...', 'type': 'invalid_request_error', 'param': None, 'code': None}", 'single-system'],
  // suitenumerique/conversations#197 (vLLM, Gemma 3)
  ['vLLM, Gemma 3', 400, '{"error":{"message":"Conversation roles must alternate user/assistant/user/assistant/... Conversation roles must alternate user/assistant/user/assistant/...","type":"BadRequestError","param":null,"code":400}}', 'single-system'],
  // vllm-project/vllm#6862 (Mistral-7B-Instruct-v0.3)
  ['vLLM, Mistral v0.3', 400, '{"object":"error","message":"After the optional system message, conversation roles must alternate user/assistant/user/assistant/...","type":"BadRequestError","param":null,"code":400}', 'single-system'],
  // LM Studio wraps the template's exception (lmstudio-ai/lmstudio-bug-tracker#842 shows the wording)
  ['LM Studio', 400, '{"error":"Error rendering prompt with jinja template: \\"System message must be at the beginning.\\".\\n\\nThis is usually an issue with the model\'s prompt template."}', 'single-system'],
  // ggml-org/llama.cpp#19851 (llama-server --jinja, Devstral)
  ['llama.cpp', 500, '{"error":{"code":500,"message":"\\n------------\\nWhile executing CallExpression at line 189, column 32 in source:\\n...\\nError: Jinja Exception: After the optional system message, conversation roles must alternate user and assistant roles except for tool calls and results.","type":"server_error"}}', 'single-system'],
  // huggingface/text-generation-inference#3198 (Gemma 3)
  ['TGI', 422, '{"error":"Template error: syntax error: Conversation roles must alternate user/assistant/user/assistant/","error_type":"template_error"}', 'single-system'],
  // predibase/lorax#215 (Mixtral)
  ['LoRAX', 424, "{'error': 'Request failed during generation: Server error: Conversation roles must alternate user/assistant/user/assistant/...', 'error_type': 'generation'}", 'single-system'],
  // sgl-project/sglang#892, arcee-ai/fastmlx#22 (Gemma 2 template's words)
  ['Gemma 2 template', 400, '{"object":"error","message":"System role not supported","type":"BadRequestError","code":400}', 'no-system'],
  // Mintplex-Labs/anything-llm#2914 (LM Studio, Mistral v0.3 template)
  ['Mistral v0.1 template', 400, '{"error":"Error rendering prompt with jinja template: \\"Only user and assistant roles are supported!\\"."}', 'no-system'],
  // anomalyco/opencode#5034 (Ministral 3 template's words)
  ['Ministral 3 template', 400, '{"object":"error","message":"Only user, assistant and tool roles are supported, got system.","type":"BadRequestError","code":400}', 'no-system'],
  // discuss.ai.google.dev/t/109823 (Gemini 3 through its OpenAI-compatible endpoint)
  ['Gemini 3, unsigned call', 400, '[{"error":{"code":400,"message":"Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call `default_api:mcp_everything_echo` , position 2. please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.","status":"INVALID_ARGUMENT"}}]', 'signed-tool-calls'],
  // crazy-goat/nexos-provider known-bugs/gemini3-tools (Vertex wording)
  ['Vertex, unsigned call', 400, '{"error":"Unable to submit request because function call `bash` in the 2. content block is missing a `thought_signature`."}', 'signed-tool-calls'],
];

describe('refusedMessageShape', () => {
  it.each(REFUSALS)('%s', (_name, status, body, rule) => {
    expect(refusedMessageShape(status, body, none)).toBe(rule);
  });

  it('answers "roles must alternate" again, once the system messages are merged, by merging user messages; then gives up', () => {
    const body = REFUSALS[1][2];
    expect(refusedMessageShape(400, body, new Set(['single-system']))).toBe('alternating-roles');
    expect(refusedMessageShape(400, body, new Set(['single-system', 'alternating-roles']))).toBeUndefined();
    expect(refusedMessageShape(400, 'System role not supported', new Set(['no-system']))).toBeUndefined();
  });

  it('ignores other refusals, and statuses a template refusal does not come with', () => {
    expect(refusedMessageShape(400, "This model's maximum context length is 65536 tokens.", none)).toBeUndefined();
    expect(refusedMessageShape(400, 'Unrecognized request argument supplied: stream_options', none)).toBeUndefined();
    expect(refusedMessageShape(429, 'Conversation roles must alternate user/assistant', none)).toBeUndefined();
    expect(refusedMessageShape(503, 'System message must be at the beginning.', none)).toBeUndefined();
  });
});

describe('reshapeRequest and MessageShapeFallback', () => {
  const request: ChatRequest = {
    model: 'm',
    stream: true,
    messages: [
      { role: 'system', content: 'base' },
      { role: 'system', content: 'skills' },
      { role: 'user', content: 'env' },
      { role: 'user', content: 'prompt' },
    ],
  };

  it('bends the conversation into each learnt shape, without touching the input', () => {
    const before = JSON.stringify(request);
    expect(reshapeRequest(request, new Set(['single-system'])).messages.map((m) => m.role)).toEqual(['system', 'user', 'user']);
    expect(reshapeRequest(request, new Set(['single-system', 'alternating-roles'])).messages).toEqual([
      { role: 'system', content: 'base\n\nskills' },
      { role: 'user', content: 'env\n\nprompt' },
    ]);
    expect(reshapeRequest(request, new Set(['no-system'])).messages).toEqual([{ role: 'user', content: 'base\n\nskills\n\nenv\n\nprompt' }]);
    expect(reshapeRequest(request, none)).toBe(request);
    const unsigned: ChatRequest = { ...request, messages: [...request.messages, { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'c', content: 'x' }] };
    const signed = reshapeRequest(unsigned, new Set(['signed-tool-calls'])).messages[4] as { tool_calls: Array<{ extra_content?: unknown }> };
    expect(signed.tool_calls[0].extra_content).toEqual({ google: { thought_signature: 'skip_thought_signature_validator' } });
    expect(JSON.stringify(request)).toBe(before);
  });

  it('remembers every rule it was taught', () => {
    const fallback = new MessageShapeFallback();
    expect(fallback.apply(request)).toBe(request);
    fallback.remember('single-system');
    fallback.remember('alternating-roles');
    expect([...fallback.learned]).toEqual(['single-system', 'alternating-roles']);
    expect(fallback.apply(request).messages).toHaveLength(2);
  });
});
