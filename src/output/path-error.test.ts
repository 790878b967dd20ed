import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { describePathError, describePathProblem, unwritableDirectory } from './path-error.js';

const tempDir = tempDirsPerTest('cb-path-error-');

/** The error fs really throws for `action`. */
function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the action to throw');
}

describe('describePathError', () => {
  it('a home variable pointing at a file: names the path and the variable', () => {
    const root = tempDir();
    const file = path.join(root, 'not-a-dir');
    writeFileSync(file, '');
    const error = thrownBy(() => mkdirSync(file, { recursive: true }));
    expect(describePathError(error, { CODEX_HOME: file, HOME: root })).toBe(
      `cannot create the directory ${file}: it is a file, not a directory — point CODEX_HOME at a directory you can write to (it is ${file})`,
    );
  });

  it('a file further up the path: names that file, and the variable whose value holds it', () => {
    const root = tempDir();
    const file = path.join(root, 'home-file');
    writeFileSync(file, '');
    const target = path.join(file, '.config', 'codex-bridge');
    const error = thrownBy(() => mkdirSync(target, { recursive: true }));
    expect(describePathError(error, { HOME: file })).toBe(
      `cannot create the directory ${target}: ${file} is a file, not a directory — point HOME at a directory you can write to (it is ${file})`,
    );
  });

  it('a read-only directory (as the error a non-root user gets): one line, no variable to blame', () => {
    const error = Object.assign(new Error("EACCES: permission denied, open '/srv/ro/x.toml'"), { code: 'EACCES', syscall: 'open', path: '/srv/ro/x.toml' });
    expect(describePathError(error, {})).toBe('cannot open /srv/ro/x.toml: permission denied — make /srv/ro a directory you can write to, or choose another path');
    const readOnly = Object.assign(new Error('EROFS'), { code: 'EROFS', syscall: 'mkdir', path: '/ro/codex' });
    expect(describePathError(readOnly, { CODEX_HOME: '/ro/codex' })).toBe(
      'cannot create the directory /ro/codex: the file system is read-only — point CODEX_HOME at a directory you can write to (it is /ro/codex)',
    );
  });

  it('prefers the most specific variable', () => {
    const error = Object.assign(new Error('EACCES'), { code: 'EACCES', syscall: 'mkdir', path: '/home/u/.codex' });
    expect(describePathError(error, { HOME: '/home/u', CODEX_HOME: '/home/u/.codex' })).toMatch(/point CODEX_HOME at/);
    expect(describePathError(error, { HOME: '/home/u' })).toMatch(/point HOME at/);
    // A sibling that only shares a prefix is not inside the variable's directory.
    expect(describePathError(error, { HOME: '/home/u/.co' })).toMatch(/make \/home\/u a directory/);
  });

  it('leaves anything that is not a file-system error alone', () => {
    expect(describePathError(new Error('boom'))).toBeUndefined();
    expect(describePathError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(describePathError(Object.assign(new Error('x'), { code: 'EWEIRD', path: '/x' }))).toBeUndefined();
    expect(describePathError(undefined)).toBeUndefined();
  });

  it('works for a directory that exists where a file is expected', () => {
    const root = tempDir();
    mkdirSync(path.join(root, 'd'));
    const error = Object.assign(new Error('EISDIR'), { code: 'EISDIR', syscall: 'open', path: path.join(root, 'd') });
    expect(describePathError(error, {})).toBe(`cannot open ${path.join(root, 'd')}: it is a directory, not a file — make ${root} a directory you can write to, or choose another path`);
  });
});

// A real read-only file system needs a mount: test/e2e/read-only-home.test.ts makes one.
describe('unwritableDirectory', () => {
  it('nothing in the way: a writable folder, or one that can be created under one', () => {
    const root = tempDir();
    expect(unwritableDirectory(root)).toBeUndefined();
    expect(unwritableDirectory(path.join(root, 'not', 'yet'))).toBeUndefined();
  });

  it('a file in its place or further up: ENOTDIR, described by the file in the way', () => {
    const root = tempDir();
    const file = path.join(root, 'home-file');
    writeFileSync(file, '');
    expect(unwritableDirectory(file)).toEqual({ code: 'ENOTDIR', syscall: 'mkdir', path: file });
    const below = path.join(file, '.config', 'codex-bridge');
    const problem = unwritableDirectory(below);
    expect(problem).toEqual({ code: 'ENOTDIR', syscall: 'mkdir', path: below });
    expect(describePathProblem(problem, { HOME: file })).toEqual({
      problem: `cannot create the directory ${below}: ${file} is a file, not a directory`,
      fix: `point HOME at a directory you can write to (it is ${file})`,
    });
  });

  it('an ENOENT from mkdir stays "does not exist" when nothing else is in the way', () => {
    const root = tempDir();
    const error = Object.assign(new Error('ENOENT'), { code: 'ENOENT', syscall: 'mkdir', path: path.join(root, 'gone') });
    expect(describePathError(error, {})).toBe(`cannot create the directory ${path.join(root, 'gone')}: it does not exist — make ${root} a directory you can write to, or choose another path`);
  });
});
