import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { buildModelCatalog } from './build-model-catalog.js';
import { defaultTemplateCacheDir, legacyTemplateCacheDir, loadBundledModelTemplate, parseCatalog, removeLegacyTemplateCache } from './load-bundled-model-template.js';

const realCodex = fileURLToPath(new URL('../../node_modules/.bin/codex', import.meta.url));

const tempDir = tempDirsPerTest('cb-template-test-');

/** A stand-in `codex` that prints `stdout` and counts its invocations. */
function fakeCodex(dir: string, stdout: string, exitCode = 0): { file: string; calls: () => number } {
  const file = path.join(dir, 'codex');
  const counter = path.join(dir, 'calls');
  writeFileSync(path.join(dir, 'out.txt'), stdout);
  writeFileSync(
    file,
    `#!/bin/sh\necho "$@" >> "${counter}"\necho "WARNING: noise on stderr" >&2\ncat "${path.join(dir, 'out.txt')}"\nexit ${exitCode}\n`,
  );
  chmodSync(file, 0o755);
  return { file, calls: () => (existsSync(counter) ? readFileSync(counter, 'utf8').trim().split('\n').length : 0) };
}

const entry = { slug: 'gpt-x', base_instructions: 'You are Codex.', shell_type: 'unified_exec' };

describe('loadBundledModelTemplate', () => {
  it('asks `codex debug models --bundled` once, then answers from a private cache', async () => {
    const dir = tempDir();
    const codex = fakeCodex(dir, `some banner\n${JSON.stringify({ models: [entry] })}`);
    const cacheDir = path.join(dir, 'cache');
    const first = await loadBundledModelTemplate({ codexPath: codex.file, env: process.env, cacheDir });
    expect(first).toEqual(entry);
    expect(readFileSync(path.join(dir, 'calls'), 'utf8').trim()).toBe('debug models --bundled');
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    const [cached] = readdirSync(cacheDir);
    expect(statSync(path.join(cacheDir, cached)).mode & 0o777).toBe(0o600);

    const second = await loadBundledModelTemplate({ codexPath: codex.file, env: process.env, cacheDir });
    expect(second).toEqual(entry);
    expect(codex.calls()).toBe(1);

    // A different (reinstalled) binary is a different cache entry.
    writeFileSync(codex.file, readFileSync(codex.file, 'utf8') + '\n# upgraded\n');
    await loadBundledModelTemplate({ codexPath: codex.file, env: process.env, cacheDir });
    expect(codex.calls()).toBe(2);
  });

  it('gives up quietly (minimal entry) when the command fails or prints nothing usable', async () => {
    const dir = tempDir();
    const reasons: string[] = [];
    const failing = fakeCodex(dir, '', 2);
    expect(await loadBundledModelTemplate({ codexPath: failing.file, env: process.env, debug: (l) => reasons.push(l) })).toBeUndefined();
    const garbage = fakeCodex(tempDir(), 'error: unknown subcommand');
    expect(await loadBundledModelTemplate({ codexPath: garbage.file, env: process.env, debug: (l) => reasons.push(l) })).toBeUndefined();
    const missing = path.join(dir, 'nope');
    expect(await loadBundledModelTemplate({ codexPath: missing, env: process.env, debug: (l) => reasons.push(l) })).toBeUndefined();
    expect(reasons).toHaveLength(3);
  });

  it('does not trust a cache directory others can write to', async () => {
    const dir = tempDir();
    const codex = fakeCodex(dir, JSON.stringify({ models: [entry] }));
    const cacheDir = path.join(dir, 'shared-cache');
    mkdirSync(cacheDir, { mode: 0o777 });
    chmodSync(cacheDir, 0o777);
    await loadBundledModelTemplate({ codexPath: codex.file, env: process.env, cacheDir });
    await loadBundledModelTemplate({ codexPath: codex.file, env: process.env, cacheDir });
    expect(codex.calls()).toBe(2);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('caches under $CODEX_BRIDGE_HOME when set, else in the user cache directory (never in the shared one of older versions)', () => {
    expect(defaultTemplateCacheDir({ CODEX_BRIDGE_HOME: '/opt/cb' })).toBe('/opt/cb/cache');
    if (process.platform === 'linux') {
      expect(defaultTemplateCacheDir({ HOME: '/home/me' })).toBe('/home/me/.cache/codex-bridge');
      expect(defaultTemplateCacheDir({ HOME: '/home/me', XDG_CACHE_HOME: '/var/cache/me' })).toBe('/var/cache/me/codex-bridge');
    }
    // Without variables: the user's own home, wherever that is (a CI home may well be in /tmp), never
    // the shared directory older versions used.
    if (process.platform === 'linux') expect(defaultTemplateCacheDir({})).toBe(path.join(os.homedir(), '.cache', 'codex-bridge'));
    expect(defaultTemplateCacheDir({})).not.toBe(legacyTemplateCacheDir());
  });

  it('removes the cache directory older versions left in /tmp, only if it is a private one of ours', () => {
    const dir = tempDir();
    const old = path.join(dir, 'codex-bridge-old');
    mkdirSync(old, { mode: 0o700 });
    writeFileSync(path.join(old, 'codex-model-template-x.json'), '{}');
    removeLegacyTemplateCache(old);
    expect(existsSync(old)).toBe(false);
    const shared = path.join(dir, 'codex-bridge-shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    removeLegacyTemplateCache(shared);
    expect(existsSync(shared)).toBe(true);
  });

  it('parses noisy output', () => {
    expect(parseCatalog('warn\n{"models":[]}')).toEqual({ models: [] });
    expect(parseCatalog('no json')).toBeUndefined();
    expect(parseCatalog('{broken')).toBeUndefined();
  });

  it('gets a usable template from the installed Codex (the dev dependency)', async () => {
    expect(existsSync(realCodex), `${realCodex} is missing: run npm ci`).toBe(true);
    const template = await loadBundledModelTemplate({ codexPath: realCodex, env: process.env });
    expect(template).toBeDefined();
    expect(template!.base_instructions.length).toBeGreaterThan(1000);
    const entry = buildModelCatalog({ model: 'mock-model', template }).models[0] as Record<string, unknown>;
    expect(entry.slug).toBe('mock-model');
    expect(entry.apply_patch_tool_type).toBe('freeform');
    expect(entry).not.toHaveProperty('tool_mode');
    expect(entry).not.toHaveProperty('web_search_tool_type');
    expect(entry.supports_search_tool === undefined || entry.supports_search_tool === false).toBe(true);
  });
});
