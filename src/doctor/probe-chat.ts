import { parseSseBytes } from '../server/upstream-client.js';
import { mapInStreamError, mapUpstreamError } from '../translate/map-upstream-error.js';
import { authFailure, connectionFailure, keyCheckName, type KeyContext, type KeyVerdict } from './check-models.js';
import { errorGist } from './redact.js';
import { fail, info, pass, type DoctorCheck } from './types.js';
import type { HttpAnswer, UpstreamHttp } from './upstream-http.js';

// `doctor --probe`: real requests to the chat endpoint, as small as they can be. A 1-token answer
// (key and model accepted), a stream (SSE chunks arrive and end), a forced tool call (Codex cannot
// work without tools), and whether reasoning comes back (information only: not every model reasons).

export interface ProbeOutcome {
  /** Set when the probe settled whether the key is accepted. */
  keyCheck?: DoctorCheck;
  verdict: KeyVerdict;
  /** Set when the upstream refused the model. */
  modelCheck?: DoctorCheck;
  checks: DoctorCheck[];
}

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city.',
    parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name' } }, required: ['city'] },
  },
} as const;

const NO_TOOLS_FIX = 'Codex works through tool calls: pick a model that supports function calling';

const refusesModel = (status: number, gist: string): boolean =>
  status === 404 || (status >= 400 && status < 500 && /model/i.test(gist) && /not|exist|found|invalid|unknown|support|access|permission/i.test(gist));

async function gistOf(answer: HttpAnswer, ctx: KeyContext): Promise<{ gist: string; body: string }> {
  const body = await answer.text().catch(() => '');
  return { gist: ctx.redact(errorGist(body)), body };
}

/**
 * What to do about an error the upstream answered a probe with, by what it says (classified as the
 * bridge classifies upstream errors): a rate limit is waited out, a spent balance topped up, a
 * refused key checked, an upstream's own failure retried later, a refused request looked at.
 */
export function probeFailureFix(code: string, status: number | undefined, ctx: KeyContext, model: string): string {
  switch (code) {
    case 'insufficient_quota':
      return `top up the balance at ${ctx.preset?.name ?? ctx.host}${ctx.apiKeyEnv ? ` (the account of the key in $${ctx.apiKeyEnv})` : ''}`;
    case 'rate_limit_exceeded':
      return `${ctx.host} is rate-limiting the key: wait a minute and run codex-bridge doctor --probe again; if it persists, check the account's rate limits`;
    case 'upstream_auth_failed':
      return authFailure(status === 403 ? 403 : 401, ctx)?.fix ?? 'check the key';
    case 'upstream_not_found':
      return `check the model (${model}) and the upstream URL: it is the part before /chat/completions`;
    case 'upstream_error':
      return `${ctx.host} has a problem on its side; try again later`;
    case 'context_length_exceeded':
      return `${ctx.host} counts even this short request as too long for ${model}: pick another model`;
    default:
      return `${ctx.host} refused the request (what it says is above): check that ${model} is a chat model it serves`;
  }
}

/** The fix for a probe answered with an error status. */
const statusFix = (status: number, body: string, ctx: KeyContext, model: string): string => probeFailureFix(mapUpstreamError(status, body, ctx.host).error.code, status, ctx, model);

/** `label` names the model in the model line, e.g. "m (from the flag)". */
export async function probeChat(http: UpstreamHttp, model: string, ctx: KeyContext, label = model): Promise<ProbeOutcome> {
  const checks: DoctorCheck[] = [];
  const keyName = keyCheckName(ctx);

  // 1. One token, not streamed.
  const started = Date.now();
  let answer: HttpAnswer;
  try {
    answer = await http.post('/chat/completions', { model, messages: [{ role: 'user', content: 'Reply with the word OK.' }], max_tokens: 1, stream: false });
  } catch (error) {
    return { verdict: 'unknown', checks: [connectionFailure('chat', 'POST /chat/completions', error, ctx)] };
  }
  const auth = authFailure(answer.status, ctx);
  if (auth) {
    await answer.text().catch(() => '');
    return { keyCheck: auth, verdict: 'rejected', checks: [] };
  }
  if (answer.status < 200 || answer.status >= 300) {
    const { gist, body } = await gistOf(answer, ctx);
    if (refusesModel(answer.status, gist)) {
      return {
        verdict: 'accepted',
        keyCheck: ctx.apiKey ? pass(keyName, 'the chat endpoint took the key (the model was refused)') : undefined,
        modelCheck: fail('model', `${label} was refused by ${ctx.host} (${answer.status})${gist ? `: ${gist}` : ''}`, 'pass --model with a model this upstream offers'),
        checks: [],
      };
    }
    return {
      verdict: 'unknown',
      checks: [fail('chat', `a 1-token request answered ${answer.status}${gist ? `: ${gist}` : ''}`, statusFix(answer.status, body, ctx, model))],
    };
  }
  const body = await answer.text().catch(() => '');
  let hasChoice = false;
  try {
    hasChoice = Array.isArray((JSON.parse(body) as { choices?: unknown }).choices);
  } catch {
    // checked below
  }
  if (!hasChoice) {
    return { verdict: 'accepted', checks: [fail('chat', 'a 1-token request answered 200 but not with a chat completion', 'check the upstream URL: it must be a Chat Completions API base, e.g. https://api.deepseek.com/v1')] };
  }
  checks.push(pass('chat', `a 1-token request to ${model} answered in ${Date.now() - started} ms`));
  const keyCheck = ctx.apiKey ? pass(keyName, 'a 1-token chat request with it was answered') : undefined;

  // 2. A stream; 3. whatever reasoning came with it.
  const stream = await streamed(http, ctx, model, { model, messages: [{ role: 'user', content: 'Count from 1 to 5, separated by spaces.' }], max_tokens: 300, stream: true });
  if ('failure' in stream) checks.push(fail('streaming', stream.failure, stream.fix));
  else {
    checks.push(pass('streaming', `${stream.chunks} chunk${stream.chunks === 1 ? '' : 's'}, ended with ${stream.finishReason ? `finish_reason "${stream.finishReason}"` : '[DONE]'}`));
    checks.push(
      stream.reasoningChars > 0
        ? pass('reasoning', `returned in ${stream.reasoningField} (${stream.reasoningChars} characters)`)
        : info('reasoning', `${model} returned no reasoning: it does not reason, or keeps its reasoning to itself`),
    );
  }

  // 4. A forced tool call; with a fallback for providers that refuse a named tool_choice.
  checks.push(await probeTools(http, model, ctx));
  return { keyCheck, verdict: 'accepted', checks };
}

interface StreamResult {
  chunks: number;
  finishReason?: string;
  done: boolean;
  content: string;
  reasoningChars: number;
  reasoningField?: string;
  toolCalls: Map<number, { name: string; arguments: string }>;
}

type Streamed = StreamResult | { failure: string; fix: string; status?: number };

async function streamed(http: UpstreamHttp, ctx: KeyContext, model: string, body: Record<string, unknown>): Promise<Streamed> {
  let answer: HttpAnswer;
  try {
    answer = await http.post('/chat/completions', body);
  } catch (error) {
    const check = connectionFailure('streaming', 'a streamed request', error, ctx);
    return { failure: check.detail, fix: check.fix ?? '' };
  }
  if (answer.status < 200 || answer.status >= 300) {
    const { gist, body: text } = await gistOf(answer, ctx);
    return { failure: `a streamed request answered ${answer.status}${gist ? `: ${gist}` : ''}`, fix: statusFix(answer.status, text, ctx, model), status: answer.status };
  }
  if (!/text\/event-stream/i.test(answer.contentType)) {
    await answer.text().catch(() => '');
    return { failure: `a stream:true request was answered with ${answer.contentType || 'no content-type'}, not text/event-stream`, fix: 'this upstream does not stream; Codex needs streaming' };
  }
  const result: StreamResult = { chunks: 0, done: false, content: '', reasoningChars: 0, toolCalls: new Map() };
  try {
    for await (const event of parseSseBytes(answer.body as AsyncIterable<Uint8Array>)) {
      if (event.type === 'done') {
        result.done = true;
        break;
      }
      if (event.type !== 'chunk') continue;
      const chunk = event.chunk as unknown as { choices?: Array<{ delta?: Record<string, unknown>; finish_reason?: string | null }>; error?: unknown };
      if (chunk.error) {
        const fix = probeFailureFix(mapInStreamError(chunk.error, ctx.host).code, undefined, ctx, model);
        return { failure: `the stream carried an error: ${ctx.redact(errorGist(JSON.stringify(chunk)))}`, fix };
      }
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      result.chunks++;
      if (choice.finish_reason) result.finishReason = choice.finish_reason;
      const delta = choice.delta ?? {};
      for (const field of ['reasoning_content', 'reasoning'] as const) {
        const value = delta[field];
        if (typeof value === 'string' && value.length > 0) {
          result.reasoningChars += value.length;
          result.reasoningField ??= field;
        }
      }
      // OpenRouter-style blocks, counted when no plain field carried the thought.
      if (Array.isArray(delta.reasoning_details) && result.reasoningField !== 'reasoning_content' && result.reasoningField !== 'reasoning') {
        for (const block of delta.reasoning_details as Array<{ text?: unknown; summary?: unknown }>) {
          const text = typeof block?.text === 'string' ? block.text : typeof block?.summary === 'string' ? block.summary : '';
          if (text.length > 0) {
            result.reasoningChars += text.length;
            result.reasoningField ??= 'reasoning_details';
          }
        }
      }
      if (typeof delta.content === 'string') result.content += delta.content;
      else if (Array.isArray(delta.content)) {
        for (const part of delta.content as Array<{ type?: string; text?: string; thinking?: unknown }>) {
          if (part.type === 'thinking') {
            const text = JSON.stringify(part.thinking ?? '');
            result.reasoningChars += text.length;
            result.reasoningField ??= 'thinking content parts';
          } else if (typeof part.text === 'string') result.content += part.text;
        }
      }
      for (const call of (delta.tool_calls as Array<{ index?: number; function?: { name?: string; arguments?: string } }> | undefined) ?? []) {
        const index = call.index ?? 0;
        const entry = result.toolCalls.get(index) ?? { name: '', arguments: '' };
        if (call.function?.name) entry.name += call.function.name;
        if (call.function?.arguments) entry.arguments += call.function.arguments;
        result.toolCalls.set(index, entry);
      }
    }
  } catch (error) {
    return { failure: `the stream broke off: ${ctx.redact((error as Error).message)}`, fix: 'try again; if it persists, the upstream or a proxy cuts streams' };
  } finally {
    if (!answer.body.destroyed) answer.body.destroy();
  }
  const think = /<think>([\s\S]*?)(<\/think>|$)/.exec(result.content);
  if (think && result.reasoningChars === 0) {
    result.reasoningChars = think[1].length;
    result.reasoningField = '<think> tags inside content';
  }
  if (result.chunks === 0) return { failure: 'the stream ended without a single chunk', fix: 'check the model; try again later' };
  return result;
}

async function probeTools(http: UpstreamHttp, model: string, ctx: KeyContext): Promise<DoctorCheck> {
  const choices: Array<{ value: unknown; label: string }> = [
    { value: { type: 'function', function: { name: WEATHER_TOOL.function.name } }, label: 'forced' },
    { value: 'required', label: 'tool_choice "required"' },
    { value: 'auto', label: 'tool_choice "auto"' },
  ];
  let refusal = '';
  for (const [i, choice] of choices.entries()) {
    const result = await streamed(http, ctx, model, {
      model,
      messages: [{ role: 'user', content: 'What is the weather in Paris right now? Use the get_weather tool.' }],
      tools: [WEATHER_TOOL],
      tool_choice: choice.value,
      max_tokens: 500,
      stream: true,
    });
    if ('failure' in result) {
      // A 400/422 may be the tool_choice form: try the next one.
      const refused = result.status === 400 || result.status === 422;
      if (refused && i < choices.length - 1) {
        refusal ||= result.failure;
        continue;
      }
      // Every form of tool_choice refused: the model takes no tools.
      return fail('tools', result.failure.replace('a streamed request', 'a request with a tool'), refused ? NO_TOOLS_FIX : result.fix);
    }
    const calls = [...result.toolCalls.values()];
    const call = calls.find((c) => c.name === WEATHER_TOOL.function.name);
    const note = i === 0 ? '' : ` (with ${choice.label}: the forced form was refused)`;
    if (!call) {
      return fail(
        'tools',
        calls.length > 0 ? `${model} called ${calls.map((c) => c.name || '(no name)').join(', ')} instead of get_weather${note}` : `${model} answered without calling the tool${note}`,
        NO_TOOLS_FIX,
      );
    }
    try {
      const args = JSON.parse(call.arguments || '{}') as unknown;
      if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new Error('not an object');
    } catch {
      return fail('tools', `${model} called get_weather, but its arguments are not a JSON object${note}`, 'Codex cannot run such calls: pick a model with reliable function calling');
    }
    return pass('tools', `a tool call to get_weather came back with JSON arguments${note}`);
  }
  return fail('tools', refusal || 'every form of tool_choice was refused', NO_TOOLS_FIX);
}
