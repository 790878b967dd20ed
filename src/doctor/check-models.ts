import type { ModelsAnswer, ModelsProbe } from '../config/base-url-check.js';
import type { ProviderPreset } from '../providers/presets.js';
import { errorGist } from './redact.js';
import { normalizeModelId, suggestModels } from './suggest-models.js';
import { fail, info, pass, warn, type DoctorCheck } from './types.js';
import { createUpstreamHttp, UpstreamRequestError, type UpstreamHttp } from './upstream-http.js';

// GET {upstream}/models: is the key accepted, and which models are there. The key is named by its
// variable, never shown.

export interface KeyContext {
  apiKey?: string;
  apiKeyEnv?: string;
  preset?: ProviderPreset;
  /** For messages: the upstream's host. */
  host: string;
  /** Scrubs the key (and masked forms of it) from upstream text. */
  redact: (text: string) => string;
}

export type KeyVerdict = 'accepted' | 'rejected' | 'unknown';

export interface ModelsOutcome {
  check: DoctorCheck;
  verdict: KeyVerdict;
  /** The model ids the upstream lists, if it does. */
  models?: string[];
  /** What GET /models answered, for the base-URL check. */
  answer?: ModelsAnswer;
}

export const keyCheckName = (ctx: Pick<KeyContext, 'apiKey'>): string => (ctx.apiKey ? 'key accepted' : 'upstream answers');

/** The check for a 401/403/402 answer, or undefined for any other status. */
export function authFailure(status: number, ctx: KeyContext): DoctorCheck | undefined {
  const name = keyCheckName(ctx);
  const whose = ctx.preset ? `${ctx.preset.name} ` : '';
  const where = ctx.preset?.keyHelp ? ` (${ctx.preset.keyHelp})` : '';
  if (status === 401 || status === 403) {
    if (ctx.apiKey && ctx.apiKeyEnv) {
      return fail(name, `the key in $${ctx.apiKeyEnv} was rejected (${status})`, `check that $${ctx.apiKeyEnv} holds a valid ${whose}key for ${ctx.host}${where}`);
    }
    return fail(name, `${ctx.host} wants a key (${status})`, 'export your key in a variable and pass its name with --api-key-env VAR (or codex-bridge config set api-key-env VAR)');
  }
  if (status === 402) {
    const account = ctx.apiKeyEnv ? `the account of the key in $${ctx.apiKeyEnv}` : 'the account';
    return fail(name, `${account} has no credit left (402)`, `top up the balance at ${ctx.preset?.name ?? ctx.host}`);
  }
  return undefined;
}

/** What to do about a request that got no answer: by how it failed. */
function connectionFix(kind: UpstreamRequestError['kind'], ctx: KeyContext): string {
  if (kind === 'silent') return `${ctx.host} accepted the request but sent nothing back in time: the model may be overloaded or slow to start; try again later, or another model`;
  if (kind === 'broken') return 'the connection broke off: try again; if it keeps happening, a proxy or the upstream cuts connections';
  return 'check the upstream URL and the network (the reachability check above)';
}

export function connectionFailure(name: string, what: string, error: unknown, ctx: KeyContext): DoctorCheck {
  if (error instanceof UpstreamRequestError) {
    return fail(name, `${what} failed: ${ctx.redact(error.reason)}${error.code ? ` (${error.code})` : ''}`, connectionFix(error.kind, ctx));
  }
  throw error;
}

function listedIds(text: string): string[] | undefined {
  try {
    const body = JSON.parse(text) as { data?: unknown; models?: unknown };
    const list = Array.isArray(body.data) ? body.data : Array.isArray(body.models) ? body.models : Array.isArray(body) ? body : undefined;
    if (!list) return undefined;
    const ids = list.map((entry: unknown) => (typeof entry === 'string' ? entry : (entry as { id?: unknown; name?: unknown })?.id ?? (entry as { name?: unknown })?.name)).filter((id): id is string => typeof id === 'string' && id.length > 0);
    return ids;
  } catch {
    return undefined;
  }
}

export async function checkModelsEndpoint(http: UpstreamHttp, ctx: KeyContext): Promise<ModelsOutcome> {
  const name = keyCheckName(ctx);
  // OpenRouter lists its models to anyone: its /key endpoint is the one that checks a key.
  if (ctx.preset?.id === 'openrouter' && ctx.apiKey) {
    const keyed = await checkOpenRouterKey(http, ctx);
    if (keyed.verdict === 'rejected') return keyed;
    const listed = await checkModelsEndpoint(http, { ...ctx, preset: undefined });
    return { ...listed, check: keyed.check, verdict: keyed.verdict };
  }
  let response;
  try {
    response = await http.get('/models');
  } catch (error) {
    return { check: connectionFailure(name, 'GET /models', error, ctx), verdict: 'unknown' };
  }
  const text = await response.text().catch(() => '');
  const models = response.status >= 200 && response.status < 300 ? listedIds(text) : undefined;
  const answer: ModelsAnswer = { status: response.status, listed: models !== undefined };
  const auth = authFailure(response.status, ctx);
  if (auth) return { check: auth, verdict: 'rejected', answer };
  if (response.status >= 200 && response.status < 300) {
    const count = models ? ` listing ${models.length} model${models.length === 1 ? '' : 's'}` : '';
    // A list anyone may read says nothing about the key.
    if (ctx.apiKey && (await listsWithoutKey(http))) {
      return {
        check: warn(name, `not verified: ${ctx.host} lists its models without a key too, so GET /models proves nothing`, 'codex-bridge doctor --probe checks the key with a 1-token chat request'),
        verdict: 'unknown',
        models,
        answer,
      };
    }
    return { check: pass(name, `GET /models answered ${response.status}${count}`), verdict: 'accepted', models, answer };
  }
  if (response.status === 404 || response.status === 405 || response.status === 501) {
    return {
      check: info(name, `${ctx.host} does not offer GET /models (${response.status}), so the key was not checked`, 'run codex-bridge doctor --probe to check it with a 1-token chat request'),
      verdict: 'unknown',
      answer,
    };
  }
  if (response.status === 429) {
    return { check: warn(name, `GET /models was rate limited (429); the key was not rejected`), verdict: 'unknown', answer };
  }
  const gist = ctx.redact(errorGist(text));
  return {
    answer,
    check: fail(
      name,
      `GET /models answered ${response.status}${gist ? `: ${gist}` : ''}`,
      response.status >= 500 ? `${ctx.host} has a problem on its side; try again later` : 'check the upstream URL: it is the part before /chat/completions, e.g. https://api.deepseek.com/v1',
    ),
    verdict: 'unknown',
  };
}

/** Does GET /models answer 2xx without the key as well? */
async function listsWithoutKey(http: UpstreamHttp): Promise<boolean> {
  try {
    const answer = await http.get('/models', { withoutKey: true });
    await answer.text().catch(() => '');
    return answer.status >= 200 && answer.status < 300;
  } catch {
    return false;
  }
}

/** GET <base>/models with the key, for the base-URL check's alternatives. */
export function httpModelsProbe(apiKey: string | undefined, timeoutMs: number): ModelsProbe {
  return async (base) => {
    const http = createUpstreamHttp(base, apiKey, timeoutMs);
    try {
      const answer = await http.get('/models');
      const text = await answer.text().catch(() => '');
      return { status: answer.status, listed: answer.status >= 200 && answer.status < 300 && listedIds(text) !== undefined };
    } catch {
      return {};
    } finally {
      await http.close();
    }
  };
}

async function checkOpenRouterKey(http: UpstreamHttp, ctx: KeyContext): Promise<ModelsOutcome> {
  const name = keyCheckName(ctx);
  try {
    const answer = await http.get('/key');
    await answer.text().catch(() => '');
    const auth = authFailure(answer.status, ctx);
    if (auth) return { check: auth, verdict: 'rejected' };
    if (answer.status >= 200 && answer.status < 300) return { check: pass(name, `GET /key answered ${answer.status}`), verdict: 'accepted' };
    return { check: info(name, `GET /key answered ${answer.status}; the key was not checked`, 'run codex-bridge doctor --probe'), verdict: 'unknown' };
  } catch (error) {
    return { check: connectionFailure(name, 'GET /key', error, ctx), verdict: 'unknown' };
  }
}

/**
 * Is `model` among the listed ones; if not, the closest listed ids. `label` is how the model is
 * named in the line, e.g. "m (from the flag)".
 */
export function checkModelListed(model: string, models: readonly string[], host: string, label = model): DoctorCheck {
  const wanted = normalizeModelId(model).toLowerCase();
  if (models.some((id) => normalizeModelId(id).toLowerCase() === wanted)) return pass('model', `${label} is offered by ${host}`);
  if (models.length === 0) return warn('model', `${host} lists no models at all, so ${label} could not be checked`);
  const suggestions = suggestModels(model, models);
  const fix = suggestions.length
    ? `did you mean ${suggestions.join(' or ')}? pass --model ${suggestions[0]} (or codex-bridge config set model ${suggestions[0]})`
    : `pass --model with one it lists, e.g. ${models.slice(0, 5).map(normalizeModelId).join(', ')}`;
  return fail('model', `${label} is not among the ${models.length} models ${host} lists`, fix);
}
