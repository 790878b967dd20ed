import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { findPreset, unknownProviderMessage } from '../providers/presets.js';
import { CONFIG_NAME, configFilePath, configHome } from './config-home.js';

// The defaults `codex-bridge config set` saves: provider, upstream, model, and the *name* of the
// variable holding the key. Never a key: `api-key-env` refuses anything that looks like one, and an
// upstream URL carrying credentials or a query (where some providers take a key) is refused too.
// Stored with `conf` as {"provider": …, "upstream": …, "model": …, "api-key-env": …}.

export const CONFIG_KEYS = ['provider', 'upstream', 'model', 'api-key-env'] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

export interface SavedConfig {
  provider?: string;
  upstream?: string;
  model?: string;
  apiKeyEnv?: string;
}

const FIELDS: Record<ConfigKey, keyof SavedConfig> = {
  provider: 'provider',
  upstream: 'upstream',
  model: 'model',
  'api-key-env': 'apiKeyEnv',
};

/** A value (or key name) `config set` cannot take: a usage error. */
export class InvalidConfigValueError extends Error {
  override name = 'InvalidConfigValueError';
}

/** The saved file cannot be read or holds something invalid (edited by hand): exit 1, with the file named. */
export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
  }
}

export function isConfigKey(key: string): key is ConfigKey {
  return (CONFIG_KEYS as readonly string[]).includes(key);
}

export function assertConfigKey(key: string): ConfigKey {
  if (!isConfigKey(key)) throw new InvalidConfigValueError(`unknown setting "${key}" — the settings are ${CONFIG_KEYS.join(', ')}`);
  return key;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Something pasted where a variable *name* belongs: a key's prefix, or a long mixed-case/digit token. */
function looksLikeAKey(value: string): boolean {
  if (/^(sk|gsk|xai|pk|rk)[-_]/i.test(value) || /^AIza/.test(value)) return true;
  return value.length >= 20 && /[a-z]/.test(value) && /[0-9]/.test(value);
}

/** The value as it is stored, or InvalidConfigValueError. Never echoes what might be a key. */
export function normalizeConfigValue(key: ConfigKey, raw: string): string {
  const value = raw.trim();
  switch (key) {
    case 'provider': {
      const preset = findPreset(value.toLowerCase());
      if (!preset) throw new InvalidConfigValueError(unknownProviderMessage(value));
      return preset.id;
    }
    case 'upstream':
      return checkUpstreamUrl(value, (message) => new InvalidConfigValueError(message));
    case 'model':
      if (!value || /[\s\u0000-\u001f\u007f]/.test(value)) throw new InvalidConfigValueError('model must be a model id without spaces, e.g. deepseek-v4-flash');
      return value;
    case 'api-key-env':
      if (!VARIABLE_NAME.test(value) || looksLikeAKey(value)) {
        throw new InvalidConfigValueError(
          'api-key-env takes the *name* of the environment variable that holds your key (like DEEPSEEK_API_KEY), not the key itself; nothing was saved',
        );
      }
      return value;
  }
}

/**
 * An upstream URL fit to be saved or used: http(s), no credentials, no query or fragment (a key
 * there would be stored in the clear). Returns it without trailing slashes.
 */
export function checkUpstreamUrl(value: string, error: (message: string) => Error): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw error(`upstream "${value}" is not a URL; e.g. https://api.deepseek.com/v1`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw error(`upstream must be http(s), got ${url.protocol}`);
  if (url.username || url.password || url.search || url.hash) {
    throw error('upstream must not carry credentials, a query or a fragment: keep the key in a variable and save its name with `config set api-key-env`');
  }
  return url.toString().replace(/\/+$/, '');
}

/** Reads one stored field, checking it the way `set` would have (the file may have been edited). */
function readField(store: Record<string, unknown>, key: ConfigKey, file: string): string | undefined {
  const value = store[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new ConfigFileError(`${file}: "${key}" must be a string — fix it with \`codex-bridge config set ${key} <value>\` or \`config unset ${key}\``, file);
  }
  try {
    return normalizeConfigValue(key, value);
  } catch (error) {
    if (!(error instanceof InvalidConfigValueError)) throw error;
    throw new ConfigFileError(`${file}: ${error.message} — fix it with \`codex-bridge config set ${key} <value>\` or \`config unset ${key}\``, file);
  }
}

function toSavedConfig(store: Record<string, unknown>, file: string): SavedConfig {
  const saved: SavedConfig = {};
  for (const key of CONFIG_KEYS) {
    const value = readField(store, key, file);
    if (value !== undefined) saved[FIELDS[key]] = value;
  }
  return saved;
}

export interface ConfigStore {
  /** The file (which may not exist yet). */
  readonly path: string;
  get(key: ConfigKey): string | undefined;
  set(key: ConfigKey, value: string): string;
  unset(key: ConfigKey): boolean;
  all(): SavedConfig;
}

/**
 * Opens the saved config. `conf` is loaded (lazily: it is slow to import) only once there is a file
 * to read or a value to write, so reading "nothing saved" creates no folder.
 */
export async function openConfigStore(env: NodeJS.ProcessEnv = process.env): Promise<ConfigStore> {
  const { default: Conf } = await import('conf');
  const cwd = configHome(env);
  const file = configFilePath(env);
  let conf: InstanceType<typeof Conf<Record<string, unknown>>> | undefined;
  const open = () => {
    try {
      conf ??= new Conf<Record<string, unknown>>({
        projectName: 'codex-bridge',
        projectSuffix: '',
        cwd,
        configName: CONFIG_NAME,
        clearInvalidConfig: false,
        accessPropertiesByDotNotation: false,
        // Private, like every file of the bridge's (conf's default is 0666 less the umask).
        configFileMode: 0o600,
      });
      return conf;
    } catch (error) {
      throw fileError(error, file);
    }
  };
  const store = (): Record<string, unknown> => {
    if (!conf && !existsSync(file)) return {};
    if (!conf) makePrivate(file);
    try {
      const data: unknown = open().store;
      if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('not a JSON object');
      return data as Record<string, unknown>;
    } catch (error) {
      throw fileError(error, file);
    }
  };
  const write = (change: (target: NonNullable<typeof conf>) => void) => {
    store(); // refuse to write over a file we cannot read
    // Created private: the sessions file shares the folder.
    mkdirSync(cwd, { recursive: true, mode: 0o700 });
    const target = open();
    try {
      change(target);
    } catch (error) {
      throw fileError(error, file);
    }
  };
  return {
    path: file,
    get: (key) => readField(store(), key, file),
    set: (key, value) => {
      const normalized = normalizeConfigValue(key, value);
      write((target) => target.set(key, normalized));
      return normalized;
    },
    unset: (key) => {
      const had = store()[key] !== undefined;
      if (had) write((target) => target.delete(key));
      return had;
    },
    all: () => toSavedConfig(store(), file),
  };
}

/** An existing config.json made 0600 (an older version left it 0644). */
function makePrivate(file: string): void {
  if (process.platform === 'win32') return;
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  } catch {
    // not ours to fix: reading it will say what is wrong
  }
}

function fileError(error: unknown, file: string): ConfigFileError {
  if (error instanceof ConfigFileError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const reason = error instanceof SyntaxError ? 'it is not valid JSON' : code ?? (error as Error).message ?? String(error);
  return new ConfigFileError(`cannot read ${file}: ${reason}; fix or delete it (codex-bridge config path shows where it is)`, file);
}

/**
 * The saved defaults, or {} when nothing was ever saved. The common case (no file) costs one stat
 * and never loads `conf`.
 */
export async function readSavedConfig(env: NodeJS.ProcessEnv = process.env): Promise<SavedConfig> {
  if (!existsSync(configFilePath(env))) return {};
  return (await openConfigStore(env)).all();
}
