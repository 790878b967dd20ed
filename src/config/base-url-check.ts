// The two base URLs users get wrong every day: one without /v1 (http://127.0.0.1:11434), and one
// with /chat/completions appended (the bridge appends it itself). "did you mean …" is only said
// once the alternative has answered. Used by `config set upstream` and doctor.

/** What GET <base>/models gave: the status, and whether the body was a model list. */
export interface ModelsAnswer {
  status?: number;
  /** The body lists models ({data:[…]} or {models:[…]}). */
  listed?: boolean;
}

/** GET <base>/models; status undefined when nothing answered. */
export type ModelsProbe = (base: string) => Promise<ModelsAnswer>;

export interface BaseUrlAdvice {
  /** What is wrong with the URL, to follow it in a sentence ("… ends in /chat/completions"). */
  problem: string;
  /** The URL that answered instead; only set when it did. */
  suggestion?: string;
}

const CHAT_COMPLETIONS = /\/chat\/completions\/*$/i;
/** A path that ends in a version segment: /v1, /api/v1, /api/paas/v4. */
const VERSIONED = /\/v\d+[a-z]*\/*$/i;

/** A Chat Completions API lives there: it lists models, or wants a key first. */
export const answersAsApi = (answer: ModelsAnswer): boolean =>
  answer.status !== undefined && ((answer.status >= 200 && answer.status < 300 && answer.listed === true) || answer.status === 401 || answer.status === 403);

/** Nothing there: a 404/405, or a 2xx page that is not a model list. */
const answersNotFound = (answer: ModelsAnswer): boolean =>
  answer.status === 404 || answer.status === 405 || (answer.status !== undefined && answer.status >= 200 && answer.status < 300 && answer.listed !== true);

const trimmed = (url: string): string => url.replace(/\/+$/, '');

/**
 * Advice about `url` as an upstream base URL, or undefined when there is nothing to say (it
 * answers, or nothing answers at all and there is nothing to compare with). `given` is what the
 * URL itself answered, if the caller already asked.
 */
export async function adviseBaseUrl(url: string, probe: ModelsProbe, given?: ModelsAnswer): Promise<BaseUrlAdvice | undefined> {
  const base = trimmed(url);
  if (CHAT_COMPLETIONS.test(base)) {
    const stripped = base.replace(CHAT_COMPLETIONS, '');
    const problem = 'ends in /chat/completions, which the bridge adds itself';
    return answersAsApi(await probe(stripped)) ? { problem, suggestion: stripped } : { problem };
  }
  if (VERSIONED.test(base)) return undefined;
  const own = given ?? (await probe(base));
  if (!answersNotFound(own)) return undefined;
  const candidate = `${base}/v1`;
  if (!answersAsApi(await probe(candidate))) return undefined;
  return { problem: `answers ${own.status} to GET /models, and ${candidate} answers`, suggestion: candidate };
}

/** The fix for advice, as a command to copy. */
export function baseUrlFix(advice: BaseUrlAdvice, command: 'flag' | 'config'): string {
  if (!advice.suggestion) return 'drop /chat/completions from the URL: it is the part before it, usually ending in /v1';
  const set = `codex-bridge config set upstream ${advice.suggestion}`;
  return command === 'config' ? `did you mean ${advice.suggestion}? ${set}` : `did you mean ${advice.suggestion}? pass --upstream ${advice.suggestion} (or ${set})`;
}

/** `probe` with fetch (for `config set`, which has no HTTP client of its own); no key is sent. */
export function fetchModelsProbe(timeoutMs: number): ModelsProbe {
  return async (base) => {
    try {
      const response = await fetch(`${trimmed(base)}/models`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
      let listed = false;
      try {
        const body = (await response.json()) as { data?: unknown; models?: unknown };
        listed = Array.isArray(body?.data) || Array.isArray(body?.models);
      } catch {
        // not JSON
      }
      return { status: response.status, listed };
    } catch {
      return {};
    }
  };
}
