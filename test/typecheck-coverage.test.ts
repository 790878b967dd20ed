// `npm run typecheck` checks the tests too (test/tsconfig.json); the build (tsconfig.json) must not
// compile them into dist/. Asking tsc which files each config takes in proves both without a full check.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** The project's own files a tsconfig takes in, relative to the repository root. */
function filesOf(config: string): string[] {
  const out = execFileSync(process.execPath, [tsc, '--listFilesOnly', '-p', config], { cwd: root, encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((file) => path.relative(root, file))
    .filter((file) => !file.startsWith('..') && !file.startsWith('node_modules'));
}

/** Every TypeScript file under a folder, relative to the repository root. */
function typescriptUnder(folder: string): string[] {
  return (readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' }) as string[])
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(folder, file));
}

describe('type-checking configs', () => {
  it('npm run typecheck covers every TypeScript file under src/ and test/, tests included', () => {
    const all = [...typescriptUnder('src'), ...typescriptUnder('test')];
    expect(all.filter((file) => file.endsWith('.test.ts')).length).toBeGreaterThan(50);
    const checked = new Set(filesOf('test/tsconfig.json'));
    expect(all.filter((file) => !checked.has(file))).toEqual([]);
  });

  it('the build compiles src/ without its tests', () => {
    const sources = typescriptUnder('src').filter((file) => !file.endsWith('.test.ts'));
    expect(filesOf('tsconfig.json').sort()).toEqual(sources.sort());
  });
});
