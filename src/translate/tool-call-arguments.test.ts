import { describe, expect, it } from 'vitest';
import { customToolInput, isJson } from './tool-call-arguments.js';

describe('tool-call arguments', () => {
  it('tells complete JSON from arguments cut off in the middle', () => {
    expect(isJson('{"cmd":"ls"}')).toBe(true);
    expect(isJson('{"cmd":"l')).toBe(false);
  });
  it('reads a freeform call as exposed, as a bare JSON string, or as the raw text the model sent', () => {
    expect(customToolInput('{"input":"*** Begin Patch"}')).toBe('*** Begin Patch');
    expect(customToolInput('"*** Begin Patch"')).toBe('*** Begin Patch');
    expect(customToolInput('*** Begin Patch\n')).toBe('*** Begin Patch\n');
    expect(customToolInput('{"other":1}')).toBe('{"other":1}');
  });
});
