import { describe, expect, it } from 'vitest';
import { checkNode } from './check-node.js';

describe('checkNode', () => {
  it('passes Node 20 and newer, fails older ones with the fix', () => {
    expect(checkNode('20.20.2')).toEqual({ name: 'node', ok: true, level: 'ok', detail: 'v20.20.2' });
    expect(checkNode('22.1.0').ok).toBe(true);
    const old = checkNode('18.19.0');
    expect(old).toMatchObject({ ok: false, detail: 'v18.19.0 is too old: codex-bridge needs Node 20 or newer' });
    expect(old.fix).toMatch(/install Node 20/);
  });
});
