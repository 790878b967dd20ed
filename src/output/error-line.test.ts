import { describe, expect, it } from 'vitest';
import { errorLine, whatAndFix } from './error-line.js';

describe('error lines', () => {
  it('is `codex-bridge: <what happened> — <what to do>`', () => {
    expect(errorLine(whatAndFix('cannot reach upstream 127.0.0.1:9', 'start the server'))).toBe('codex-bridge: cannot reach upstream 127.0.0.1:9 — start the server');
    expect(errorLine(whatAndFix('something happened'))).toBe('codex-bridge: something happened');
  });
  it('never doubles the prefix', () => {
    expect(errorLine('codex-bridge: x — y')).toBe('codex-bridge: x — y');
  });
});
