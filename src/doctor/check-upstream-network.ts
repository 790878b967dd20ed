import { adviseBaseUrl, baseUrlFix } from '../config/base-url-check.js';
import type { ProviderPreset } from '../providers/presets.js';
import { checkModelListed, checkModelsEndpoint, httpModelsProbe, keyCheckName, type KeyContext } from './check-models.js';
import { checkReachable, type Lookup } from './check-reachability.js';
import { probeChat, type ProbeOutcome } from './probe-chat.js';
import { makeRedactor } from './redact.js';
import type { Progress } from './spinner.js';
import { fail, info, pass, type DoctorCheck } from './types.js';
import { createUpstreamHttp } from './upstream-http.js';

// doctor on the network: reachable (DNS, TCP, TLS), the base URL right, the key accepted, the
// model offered, and with --probe the chat endpoint itself. The model line is always there, with
// where the setting came from, even when nothing could be checked.

export interface NetworkInput {
  url: URL;
  /** The upstream as given (doctor shows it without a trailing slash). */
  upstream: string;
  model?: string;
  /** "from the flag", "from the preset", … */
  modelFrom: string;
  apiKey?: string;
  apiKeyEnv?: string;
  /** False when the key variable is unset: nothing is sent without it. */
  keyUsable: boolean;
  /** The preset in use, chosen or recognised by the upstream's host. */
  preset?: ProviderPreset;
  probe?: boolean;
  timeoutMs: number;
  probeTimeoutMs: number;
  lookup?: Lookup;
  progress: Progress;
}

export interface NetworkOutcome {
  checks: DoctorCheck[];
  /** Replaces the upstream line: the base URL is wrong. */
  upstreamCheck?: DoctorCheck;
}

export async function checkUpstreamNetwork(input: NetworkInput): Promise<NetworkOutcome> {
  const { url, model, apiKey, preset, progress } = input;
  const host = url.host;
  const label = `${model} (${input.modelFrom})`;
  const ctx: KeyContext = { apiKey, apiKeyEnv: input.apiKeyEnv, preset, host, redact: makeRedactor(apiKey) };
  const checks: DoctorCheck[] = [];
  const modelNotChecked = (why: string, fix?: string): void => {
    if (model) checks.push(info('model', `${label}; not checked: ${why}`, fix));
  };

  progress.update(`connecting to ${host}…`);
  const reach = await checkReachable(url, { timeoutMs: input.timeoutMs, preset, lookup: input.lookup });
  checks.push(reach);
  if (!reach.ok) {
    modelNotChecked(`${host} cannot be reached`);
    return { checks };
  }
  if (!input.keyUsable) {
    modelNotChecked('no request goes out without the key');
    return { checks };
  }

  const http = createUpstreamHttp(input.upstream, apiKey, input.timeoutMs);
  const probeHttp = input.probe ? createUpstreamHttp(input.upstream, apiKey, input.probeTimeoutMs) : undefined;
  try {
    progress.update(`asking ${host} for its models…`);
    const listed = await checkModelsEndpoint(http, ctx);
    // A URL without /v1, or with /chat/completions: nothing else is worth asking it.
    if (listed.verdict !== 'accepted' || !listed.models) {
      const advice = await adviseBaseUrl(input.upstream, httpModelsProbe(apiKey, input.timeoutMs), listed.answer);
      if (advice) {
        const shown = input.upstream.replace(/\/+$/, '');
        modelNotChecked('the upstream URL is wrong');
        return { checks, upstreamCheck: fail('upstream', `${shown} ${advice.problem}`, baseUrlFix(advice, 'flag')) };
      }
    }
    let probe: ProbeOutcome | undefined;
    if (probeHttp && model && listed.verdict !== 'rejected' && listed.check.ok) {
      progress.update(`probing ${model} at ${host} (chat, streaming, tools)…`);
      probe = await probeChat(probeHttp, model, ctx, label);
    }
    // A key the chat endpoint refused is refused, whatever the model list said.
    const keyCheck = probe?.keyCheck && (probe.verdict === 'rejected' || listed.verdict === 'unknown') ? probe.keyCheck : listed.check;
    checks.push(keyCheck.name === keyCheckName(ctx) ? keyCheck : { ...keyCheck, name: keyCheckName(ctx) });
    if (model) {
      if (!keyCheck.ok) modelNotChecked('the key was not accepted');
      else if (listed.models) checks.push(checkModelListed(model, listed.models, host, label));
      else if (probe?.modelCheck) checks.push(probe.modelCheck);
      else if (probe && probe.checks.some((check) => check.name === 'chat' && check.ok)) checks.push(pass('model', `${label} answered a chat request`));
      else if (!probe) modelNotChecked(`${host} does not list its models`, 'codex-bridge doctor --probe tries it');
      else modelNotChecked('the chat request did not get through');
    }
    if (probe) checks.push(...probe.checks);
    return { checks };
  } finally {
    await http.close();
    await probeHttp?.close();
  }
}
