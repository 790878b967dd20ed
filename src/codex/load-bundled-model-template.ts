import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isCatalogEntry, pickTemplateEntry, type CatalogEntry } from './build-model-catalog.js';

// `codex debug models --bundled` prints the catalog compiled into the installed Codex, so the
// template matches its version. Through npm's node shim it takes ~150 ms, on the start-up path of
// every run, so the chosen entry is cached per Codex binary (real path + size + mtime) in a
// private directory: the platform's cache directory (~/.cache/codex-bridge on Linux), or
// $CODEX_BRIDGE_HOME/cache. Never in /tmp, where earlier versions left it: nothing of a run stays
// there (that old directory is removed when the cache is next written).

const DEBUG_MODELS_TIMEOUT_MS = 10_000;
const CACHE_FORMAT = 1;

export interface TemplateOptions {
  /** Absolute path of the Codex executable the run will start. */
  codexPath: string;
  /** Environment for `codex debug models` (without the upstream key). */
  env: NodeJS.ProcessEnv;
  /** Cache directory; undefined disables caching. */
  cacheDir?: string;
  /** Reports why the template could not be used (verbose runs only). */
  debug?: (line: string) => void;
}

export function defaultTemplateCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CODEX_BRIDGE_HOME) return path.join(path.resolve(env.CODEX_BRIDGE_HOME), 'cache');
  const home = (process.platform === 'win32' ? env.USERPROFILE : env.HOME) || os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'codex-bridge');
  if (process.platform === 'win32') return path.join(env.LOCALAPPDATA || path.join(home, 'AppData', 'Local'), 'codex-bridge', 'Cache');
  return path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'codex-bridge');
}

/** Where versions up to 0.1 kept the cache: /tmp/codex-bridge-<uid>. */
export function legacyTemplateCacheDir(): string {
  const user = typeof process.getuid === 'function' ? String(process.getuid()) : os.userInfo().username;
  return path.join(os.tmpdir(), `codex-bridge-${user}`);
}

/** Removes the old cache directory in /tmp, if it is ours (a private directory of this user). */
export function removeLegacyTemplateCache(dir = legacyTemplateCacheDir()): void {
  try {
    if (isPrivateDirectory(dir)) rmSync(dir, { recursive: true, force: true });
  } catch {
    // not there, or not ours
  }
}

/** The bundled catalog entry to build our model's entry from, or undefined (use the minimal one). */
export async function loadBundledModelTemplate(options: TemplateOptions): Promise<CatalogEntry | undefined> {
  const debug = options.debug ?? (() => {});
  const cacheFile = options.cacheDir ? cacheFileFor(options.codexPath, options.cacheDir) : undefined;
  if (cacheFile) {
    const cached = readCachedTemplate(cacheFile);
    if (cached) return cached;
  }
  let stdout: string;
  try {
    stdout = await runDebugModels(options.codexPath, options.env);
  } catch (error) {
    debug(`codex debug models --bundled failed (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); using a minimal model entry`);
    return undefined;
  }
  const template = pickTemplateEntry(parseCatalog(stdout));
  if (!template) {
    debug('codex debug models --bundled printed no usable model entry; using a minimal model entry');
    return undefined;
  }
  if (cacheFile && options.cacheDir) {
    writeCachedTemplate(options.cacheDir, cacheFile, template, debug);
    if (path.resolve(options.cacheDir) !== legacyTemplateCacheDir()) removeLegacyTemplateCache();
  }
  return template;
}

/** Parses the command's stdout; tolerant of noise printed before the JSON. */
export function parseCatalog(stdout: string): unknown {
  const start = stdout.indexOf('{');
  if (start < 0) return undefined;
  try {
    return JSON.parse(stdout.slice(start));
  } catch {
    return undefined;
  }
}

function runDebugModels(codexPath: string, env: NodeJS.ProcessEnv): Promise<string> {
  // An empty CODEX_HOME under the temp dir: the command reads nothing of the user's and Codex
  // declines to create its PATH helpers under a temp dir. Its stderr warnings are discarded.
  const scratchHome = mkdtempSync(path.join(os.tmpdir(), 'codex-bridge-models-'));
  return new Promise<string>((resolve, reject) => {
    execFile(
      codexPath,
      ['debug', 'models', '--bundled'],
      {
        env: { ...env, CODEX_HOME: scratchHome },
        timeout: DEBUG_MODELS_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
        windowsHide: true,
      },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  }).finally(() => rmSync(scratchHome, { recursive: true, force: true }));
}

function cacheFileFor(codexPath: string, cacheDir: string): string | undefined {
  try {
    const real = realpathSync(codexPath);
    const { size, mtimeMs } = statSync(real);
    const key = createHash('sha256').update(`${CACHE_FORMAT}\0${real}\0${size}\0${mtimeMs}`).digest('hex').slice(0, 24);
    return path.join(cacheDir, `codex-model-template-${key}.json`);
  } catch {
    return undefined;
  }
}

function readCachedTemplate(file: string): CatalogEntry | undefined {
  try {
    if (!isPrivateDirectory(path.dirname(file))) return undefined;
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return isCatalogEntry(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function writeCachedTemplate(cacheDir: string, file: string, template: CatalogEntry, debug: (line: string) => void): void {
  try {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    // A shared temp dir: only trust a directory that is ours and closed to others.
    if (!isPrivateDirectory(cacheDir)) {
      debug(`not caching the model template: ${cacheDir} is not a private directory`);
      return;
    }
    const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temporary, JSON.stringify(template), { mode: 0o600, flag: 'wx' });
    renameSync(temporary, file);
  } catch (error) {
    debug(`not caching the model template: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function isPrivateDirectory(dir: string): boolean {
  const stats = lstatSync(dir);
  if (!stats.isDirectory()) return false;
  if (process.platform === 'win32') return true;
  return (typeof process.getuid !== 'function' || stats.uid === process.getuid()) && (stats.mode & 0o077) === 0;
}
