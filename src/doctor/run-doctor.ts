import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { Chalk } from 'chalk';
import { missingKey, noKeyIn, resolveUpstreamSettings, type UpstreamFlags, type UpstreamResolution } from '../config/resolve-upstream-options.js';
import { configFilePath } from '../config/config-home.js';
import { ConfigFileError, readSavedConfig, type SavedConfig } from '../config/saved-config.js';
import { findPreset, presetIdList, type ProviderPreset } from '../providers/presets.js';
import { checkCodex, type RunVersion } from './check-codex.js';
import { checkCodexHome, checkStaleProfiles } from './check-codex-home.js';
import { checkNode } from './check-node.js';
import type { Lookup } from './check-reachability.js';
import { checkSessionsFile } from './check-sessions-file.js';
import { checkUpstreamNetwork } from './check-upstream-network.js';
import { unwritableCheck } from './check-writable.js';
import { startProgress, type Progress } from './spinner.js';
import { fail, info, pass, warn, type DoctorCheck } from './types.js';
import { presetFor } from '../server/upstream-fix.js';

// `codex-bridge doctor`: every check, in the order a new user would fix things, each one line with
// ✓/✗ (! warning, · information) and, when something is wrong, the fix. Exit 0 when nothing failed,
// 1 when something did; usage errors (an unknown --provider) are 2, as everywhere.

export interface DoctorFlags extends UpstreamFlags {
  json?: boolean;
  probe?: boolean;
  /** The shared store of serve replicas (redis://…), checked instead of the sessions file. */
  store?: string;
}

export interface DoctorDeps {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout (default: process.stdout.write). */
  out?: (text: string) => void;
  /** Where the progress line goes (default: process.stderr); it shows only if this is a TTY. */
  progressStream?: { isTTY?: boolean; write(text: string): unknown };
  /** Colour the report (default: stdout is a TTY and NO_COLOR is not set). */
  color?: boolean;
  nodeVersion?: string;
  runVersion?: RunVersion;
  lookup?: Lookup;
  isAlive?: (pid: number) => boolean;
  /** Connect, DNS, TLS and GET /models (default 8 s). */
  timeoutMs?: number;
  /** Each --probe request (default 60 s: a reasoning model may think first). */
  probeTimeoutMs?: number;
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

const SOURCE: Record<string, string> = {
  flag: 'from the flag',
  env: 'from CODEX_BRIDGE_*',
  config: 'from the saved config',
  preset: 'from the preset',
};

function describeProvider(resolution: UpstreamResolution, preset: ProviderPreset): string {
  const from =
    resolution.providerSource === 'flag'
      ? 'from --provider'
      : resolution.providerSource === 'env'
        ? 'from CODEX_BRIDGE_PROVIDER'
        : resolution.providerSource === 'config'
          ? 'from the saved config'
          : `picked because ${preset.apiKeyEnv} is the only provider key set`;
  return `${preset.name} (${preset.id}), ${from}`;
}

const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || host === '[::1]' || (isIP(host) === 4 && host.startsWith('127.'));

export async function collectDoctorChecks(flags: DoctorFlags, deps: DoctorDeps = {}, progress: Progress = startProgress({ write: () => true }, false)): Promise<DoctorReport> {
  const env = deps.env ?? process.env;
  const cwd = deps.cwd ?? process.cwd();
  const timeoutMs = deps.timeoutMs ?? 8_000;
  const checks: DoctorCheck[] = [];
  const codex = checkCodex(env, cwd, deps.runVersion);

  checks.push(checkNode(deps.nodeVersion));
  checks.push(await codex);

  // Saved config: read once here, so that a broken file is one failed check rather than the end.
  const file = configFilePath(env);
  let saved: SavedConfig = {};
  if (existsSync(file)) {
    try {
      saved = await readSavedConfig(env);
      const summary = Object.entries(saved).map(([key, value]) => `${key === 'apiKeyEnv' ? 'api-key-env' : key} ${value}`).join(', ');
      checks.push(pass('saved config', `${file}${summary ? `: ${summary}` : ' (empty)'}`));
    } catch (error) {
      if (!(error instanceof ConfigFileError)) throw error;
      checks.push(fail('saved config', error.message, `fix or delete ${file}, or set each value again with codex-bridge config set`));
    }
  } else {
    checks.push(unwritableCheck('saved config', path.dirname(file), env) ?? pass('saved config', `nothing saved (${file})`));
  }

  // Unknown --provider / CODEX_BRIDGE_PROVIDER: a UsageError, exit 2.
  const resolution = await resolveUpstreamSettings(flags, env, { readConfig: async () => saved });
  const preset = resolution.provider ? findPreset(resolution.provider) : undefined;
  if (resolution.ambiguous) {
    const ids = resolution.ambiguous.map((p) => p.id);
    checks.push(
      fail(
        'provider',
        `several providers' keys are set (${resolution.ambiguous.map((p) => p.apiKeyEnv).join(', ')}) and nothing chooses one`,
        `pass --provider ${ids.join(' or --provider ')}, or save one: codex-bridge config set provider ${ids[0]}`,
      ),
    );
  } else if (preset) {
    checks.push(pass('provider', describeProvider(resolution, preset)));
  }

  // Upstream URL.
  let url: URL | undefined;
  if (!resolution.upstream) {
    if (!resolution.ambiguous) {
      checks.push(
        fail(
          'upstream',
          'no upstream given',
          `pass --provider <id> (${presetIdList()}) or --upstream <url>, export a provider's key (e.g. DEEPSEEK_API_KEY), or save one: codex-bridge config set provider <id>`,
        ),
      );
    }
  } else {
    try {
      url = new URL(resolution.upstream);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    } catch {
      url = undefined;
      checks.push(fail('upstream', `"${resolution.upstream}" is not an http(s) URL`, 'pass e.g. --upstream https://api.deepseek.com/v1'));
    }
    if (url) {
      const shown = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
      const from = SOURCE[resolution.upstreamSource ?? 'flag'];
      if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
        checks.push(warn('upstream', `${shown} (${from}) is plain http to another machine: the key travels unencrypted`, 'use the https URL if the upstream has one'));
      } else {
        checks.push(pass('upstream', `${shown} (${from})`));
      }
    }
  }

  // Model (existence is checked against the upstream below).
  const model = resolution.model;
  if (!model && resolution.upstream) checks.push(fail('model', 'no model given', 'pass --model <id>, or save one: codex-bridge config set model <id>'));

  // API key variable.
  let apiKey: string | undefined;
  let keyUsable = true;
  if (resolution.apiKeyEnv) {
    const value = env[resolution.apiKeyEnv];
    if (value) {
      apiKey = value;
      if (value !== value.trim()) {
        checks.push(warn('API key', `$${resolution.apiKeyEnv} is set, with spaces or a line break around the key`, `export ${resolution.apiKeyEnv} again without them`));
      } else {
        checks.push(pass('API key', `$${resolution.apiKeyEnv} is set (${SOURCE[resolution.apiKeyEnvSource ?? 'flag'].replace('from ', 'name from ')})`));
      }
    } else if (resolution.keyOptional) {
      checks.push(pass('API key', `none: ${noKeyIn(resolution.apiKeyEnv, env)} (only needed if the server was started with an API key)`));
    } else {
      keyUsable = false;
      const { problem, fix } = missingKey(resolution.apiKeyEnv, env, resolution.provider);
      checks.push(fail('API key', problem, fix));
    }
  } else if (preset && !preset.apiKeyEnv) {
    checks.push(pass('API key', `none needed (${preset.name})`));
  } else if (resolution.upstream) {
    checks.push(info('API key', 'none configured: requests go without a key', 'if the upstream needs one: --api-key-env VAR (the variable that holds it)'));
  }

  // The network: reachable, the base URL, key accepted, model offered, and with --probe the chat
  // endpoint. The model line comes from there, with or without a network.
  if (url) {
    const network = await checkUpstreamNetwork({
      url,
      upstream: resolution.upstream!,
      model,
      modelFrom: SOURCE[resolution.modelSource ?? 'flag'],
      apiKey,
      apiKeyEnv: resolution.apiKeyEnv,
      keyUsable,
      // Recognised by its host too: OpenRouter's key is checked at its own endpoint.
      preset: preset ?? presetFor({ upstream: resolution.upstream! }),
      probe: flags.probe,
      timeoutMs,
      probeTimeoutMs: deps.probeTimeoutMs ?? 60_000,
      lookup: deps.lookup,
      progress,
    });
    if (network.upstreamCheck) {
      const at = checks.findIndex((check) => check.name === 'upstream');
      checks.splice(at < 0 ? checks.length : at, at < 0 ? 0 : 1, network.upstreamCheck);
    }
    checks.push(...network.checks);
  }
  progress.update('checking local files…');

  checks.push(checkCodexHome(env));
  checks.push(checkStaleProfiles(env, deps.isAlive));
  checks.push(await checkSessionsFile(env, flags.store));
  progress.stop();

  // Belt and braces: whatever a check said, the key itself never leaves.
  const scrubbed = apiKey && apiKey.length >= 4 ? checks.map((check) => JSON.parse(JSON.stringify(check).split(JSON.stringify(apiKey).slice(1, -1)).join('[redacted]')) as DoctorCheck) : checks;
  return { ok: scrubbed.every((check) => check.ok), checks: scrubbed };
}

const SYMBOL: Record<DoctorCheck['level'], string> = { ok: '✓', fail: '✗', warn: '!', info: '·' };

export function renderText(report: DoctorReport, color: boolean): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const paint: Record<DoctorCheck['level'], (text: string) => string> = { ok: c.green, fail: c.red, warn: c.yellow, info: c.dim };
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${paint[check.level](SYMBOL[check.level])} ${check.name} — ${check.detail}`);
    if (check.fix && check.level !== 'ok') lines.push(`  ${c.dim('fix:')} ${check.fix}`);
  }
  const failed = report.checks.filter((check) => !check.ok).length;
  const warned = report.checks.filter((check) => check.level === 'warn').length;
  const warnings = warned ? ` (${warned} warning${warned === 1 ? '' : 's'})` : '';
  lines.push('');
  lines.push(failed ? c.red(`${failed} check${failed === 1 ? '' : 's'} failed${warnings}`) : c.green(`all checks passed${warnings}`));
  return `${lines.join('\n')}\n`;
}

export function renderJson(report: DoctorReport): string {
  return `${JSON.stringify({ ok: report.ok, checks: report.checks.map((check) => ({ name: check.name, ok: check.ok, level: check.level, detail: check.detail, fix: check.fix ?? null })) }, null, 2)}\n`;
}

/** Colour only on a terminal, and never with NO_COLOR (chalk 5 does not look at it). */
export function shouldColor(env: NodeJS.ProcessEnv, stream: { isTTY?: boolean }): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR;
}

/** Runs the checks, prints the report, and resolves with the exit code (0 healthy, 1 a failure). */
export async function runDoctor(flags: DoctorFlags, deps: DoctorDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const progress = startProgress(deps.progressStream ?? process.stderr);
  let report: DoctorReport;
  try {
    report = await collectDoctorChecks(flags, deps, progress);
  } finally {
    progress.stop();
  }
  const color = deps.color ?? shouldColor(env, process.stdout);
  out(flags.json ? renderJson(report) : renderText(report, color));
  return report.ok ? 0 : 1;
}
