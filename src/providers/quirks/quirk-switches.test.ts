import { describe, expect, it } from 'vitest';
import { DEFAULT_QUIRKS } from '../../translate/provider-quirks.js';
import { parseQuirkAssignments, QUIRK_NAMES, QUIRK_SWITCHES } from './quirk-switches.js';

describe('parseQuirkAssignments', () => {
  it('covers every switch', () => {
    expect(Object.keys(QUIRK_SWITCHES).sort()).toEqual(Object.keys(DEFAULT_QUIRKS).sort());
  });

  it('reads each kind of value', () => {
    expect(
      parseQuirkAssignments([
        'reasoningField=think-tags',
        'reasoningReplay=tool-calls',
        'singleSystemMessage=true',
        'developerRole=yes',
        'strictTools=false',
        'parallelToolCalls=off',
        'reasoningEffortValues=low, high',
        'streamOptions=0',
        'imageInput=false',
        'toolCallIdFormat=alnum9',
        'toolNameMaxLength=40',
        'doneMarker=required',
        'finishReasons=model_length:length,oops:error',
      ]),
    ).toEqual({
      reasoningField: 'think-tags',
      reasoningReplay: 'tool-calls',
      singleSystemMessage: true,
      developerRole: true,
      strictTools: false,
      parallelToolCalls: false,
      reasoningEffortValues: ['low', 'high'],
      streamOptions: false,
      imageInput: false,
      toolCallIdFormat: 'alnum9',
      toolNameMaxLength: 40,
      doneMarker: 'required',
      finishReasons: { model_length: 'length', oops: 'error' },
    });
    expect(parseQuirkAssignments(['reasoningEffortValues='])).toEqual({ reasoningEffortValues: [] });
    expect(parseQuirkAssignments([])).toEqual({});
  });

  it('names the valid switches for an unknown one, and the valid values for a bad value', () => {
    expect(() => parseQuirkAssignments(['noSuchThing=true'])).toThrow(new RegExp(`unknown quirk "noSuchThing" — valid names: ${QUIRK_NAMES.join(', ')}`));
    expect(() => parseQuirkAssignments(['toString=1'])).toThrow(/unknown quirk/);
    expect(() => parseQuirkAssignments(['strictTools'])).toThrow(/strictTools: no value — give one, as --quirk strictTools=<true\|false>/);
    expect(() => parseQuirkAssignments(['strictTools=maybe'])).toThrow(/not a value of strictTools — it takes true\|false/);
    expect(() => parseQuirkAssignments(['reasoningField=thoughts'])).toThrow(/reasoning_content\|reasoning\|think-tags/);
    expect(() => parseQuirkAssignments(['toolNameMaxLength=8'])).toThrow(/integer 16-64/);
    expect(() => parseQuirkAssignments(['finishReasons=x:explode'])).toThrow(/not a value of finishReasons — it takes/);
  });
});
