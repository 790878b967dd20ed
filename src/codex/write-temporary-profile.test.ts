import { readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { buildModelCatalog } from './build-model-catalog.js';
import { newTemporaryProfileName, temporaryFileOwner } from './temporary-profile-name.js';
import { buildProfileConfig, codexHome, PROVIDER_ID, TOKEN_ENV, writeTemporaryProfile } from './write-temporary-profile.js';

const tempDir = tempDirsPerTest('cb-profile-test-');

const mode = (file: string): number => statSync(file).mode & 0o777;

describe('writeTemporaryProfile', () => {
  it('writes a 0600 profile that parses back to exactly the keys Codex needs', () => {
    const home = path.join(tempDir(), 'codex-home');
    const name = newTemporaryProfileName();
    const profile = writeTemporaryProfile({
      codexHome: home,
      name,
      model: 'deepseek-chat',
      baseUrl: 'http://127.0.0.1:4321/v1',
      catalog: buildModelCatalog({ model: 'deepseek-chat' }),
    });

    expect(profile.name).toBe(name);
    expect(profile.profilePath).toBe(path.join(home, `${name}.config.toml`));
    expect(profile.catalogPath).toBe(path.join(home, `${name}.catalog.json`));
    // The directory is created private when missing, the files are private.
    expect(mode(home)).toBe(0o700);
    expect(mode(profile.profilePath)).toBe(0o600);
    expect(mode(profile.catalogPath)).toBe(0o600);

    const toml = parse(readFileSync(profile.profilePath, 'utf8')) as Record<string, any>;
    expect(Object.keys(toml).sort()).toEqual(
      ['features', 'model', 'model_catalog_json', 'model_provider', 'model_providers', 'web_search'].sort(),
    );
    expect(toml.model_provider).toBe('codex-bridge');
    expect(toml.model).toBe('deepseek-chat');
    expect(toml.model_catalog_json).toBe(profile.catalogPath);
    expect(toml.web_search).toBe('disabled');
    expect(Object.keys(toml.model_providers)).toEqual(['codex-bridge']);
    expect(toml.model_providers['codex-bridge']).toEqual({
      name: 'codex-bridge',
      base_url: 'http://127.0.0.1:4321/v1',
      wire_api: 'responses',
      env_key: 'CODEX_BRIDGE_TOKEN',
    });
    expect(toml.features).toEqual({ daemon_auto_start: false });

    const catalog = JSON.parse(readFileSync(profile.catalogPath, 'utf8'));
    expect(catalog.models.map((m: { slug: string }) => m.slug)).toEqual(['deepseek-chat']);

    profile.remove();
    expect(existsSync(profile.profilePath)).toBe(false);
    expect(existsSync(profile.catalogPath)).toBe(false);
    profile.remove(); // idempotent
  });

  it('escapes values through TOML, not string concatenation', () => {
    const home = tempDir();
    const model = 'we"ird\\model\nname = "x"';
    const profile = writeTemporaryProfile({
      codexHome: home,
      name: newTemporaryProfileName(),
      model,
      baseUrl: 'http://127.0.0.1:1/v1',
      catalog: buildModelCatalog({ model }),
    });
    const toml = parse(readFileSync(profile.profilePath, 'utf8')) as Record<string, unknown>;
    expect(toml.model).toBe(model);
    expect(toml.name).toBeUndefined();
  });

  it('never overwrites an existing file, and leaves nothing behind when it cannot write', () => {
    const home = tempDir();
    const name = newTemporaryProfileName();
    writeFileSync(path.join(home, `${name}.config.toml`), 'precious = true\n');
    expect(() =>
      writeTemporaryProfile({ codexHome: home, name, model: 'm', baseUrl: 'http://127.0.0.1:1/v1', catalog: buildModelCatalog({ model: 'm' }) }),
    ).toThrow(/EEXIST/);
    expect(readFileSync(path.join(home, `${name}.config.toml`), 'utf8')).toBe('precious = true\n');
    expect(existsSync(path.join(home, `${name}.catalog.json`))).toBe(false);
  });
});

describe('profile settings', () => {
  it('keeps the provider id and token variable stable (threads are tagged with the provider)', () => {
    expect(PROVIDER_ID).toBe('codex-bridge');
    expect(TOKEN_ENV).toBe('CODEX_BRIDGE_TOKEN');
    const config = buildProfileConfig({ model: 'm', baseUrl: 'http://127.0.0.1:9/v1', catalogPath: '/x.json' });
    expect(JSON.stringify(config)).not.toMatch(/bearer|api_key|http_headers/i);
  });

  it('uses $CODEX_HOME, else ~/.codex', () => {
    expect(codexHome({ CODEX_HOME: '/some/where' })).toBe('/some/where');
    expect(codexHome({})).toBe(path.join(os.homedir(), '.codex'));
  });

  it('names files after the owning pid', () => {
    const name = newTemporaryProfileName(4242);
    expect(name).toMatch(/^codex-bridge-4242-[0-9a-f]{12}$/);
    expect(newTemporaryProfileName(4242)).not.toBe(name);
    expect(temporaryFileOwner(`${name}.config.toml`)).toBe(4242);
    expect(temporaryFileOwner(`${name}.catalog.json`)).toBe(4242);
    expect(temporaryFileOwner('config.toml')).toBeUndefined();
    expect(temporaryFileOwner('codex-bridge-4242-zz.config.toml')).toBeUndefined();
    expect(temporaryFileOwner(`${name}.config.toml.bak`)).toBeUndefined();
  });
});
