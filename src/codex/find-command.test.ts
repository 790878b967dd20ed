import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { commandNotFoundMessage, findCommand, isCodexCommand } from './find-command.js';

const tempDir = tempDirsPerTest('cb-find-test-');

describe('findCommand', () => {
  it('finds executables on PATH in order, skipping non-executables and directories', () => {
    const dir = tempDir();
    const [a, b, c] = ['a', 'b', 'c'].map((name) => {
      const sub = path.join(dir, name);
      mkdirSync(sub);
      return sub;
    });
    writeFileSync(path.join(a, 'tool'), 'not executable');
    mkdirSync(path.join(b, 'tool'));
    writeFileSync(path.join(c, 'tool'), '#!/bin/sh\n');
    chmodSync(path.join(c, 'tool'), 0o755);
    const env = { PATH: [a, '', b, c].join(path.delimiter) };
    expect(findCommand('tool', env)).toBe(path.join(c, 'tool'));
    expect(findCommand('missing', env)).toBeUndefined();
    expect(findCommand('tool', { PATH: '' })).toBeUndefined();
    expect(findCommand('tool', {})).toBeUndefined();
    // Paths are taken as they are, relative to cwd.
    expect(findCommand('./c/tool', {}, dir)).toBe(path.join(c, 'tool'));
    expect(findCommand(path.join(a, 'tool'), env)).toBeUndefined();
    expect(findCommand('', env)).toBeUndefined();
  });
});

describe('isCodexCommand', () => {
  it('recognises codex by name or path', () => {
    for (const command of ['codex', 'codex.js', '/usr/local/bin/codex', './node_modules/.bin/codex', 'node_modules/@openai/codex/bin/codex.js', 'CODEX.EXE']) {
      expect(isCodexCommand(command), command).toBe(true);
    }
    for (const command of ['node', 'codex-bridge', 'my-codex', '/opt/codex/bin/python', 'codexx']) {
      expect(isCodexCommand(command), command).toBe(false);
    }
  });

  it('says how to install Codex when it is missing', () => {
    expect(commandNotFoundMessage('codex')).toMatch(/npm i -g @openai\/codex/);
    expect(commandNotFoundMessage('codex')).not.toMatch(/\n/);
    expect(commandNotFoundMessage('aider')).toMatch(/aider: command not found/);
  });
});
