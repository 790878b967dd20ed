import { describe, expect, it } from 'vitest';
import { convertToChatTools, convertToChatToolChoice } from './convert-to-chat-tools.js';
import { flattenToolName, resolveToolName } from './tool-name-map.js';
import { deepFreeze, isDeepFrozen } from './deep-freeze.js';

const VALID = /^[a-zA-Z0-9_-]{1,64}$/;

describe('convertToChatTools', () => {
  it('flattens namespaces, exposes custom tools as one-string functions and drops hosted tools', () => {
    const { tools, toolNames } = convertToChatTools([
      { type: 'function', name: 'exec_command', parameters: { type: 'object', properties: {} }, strict: false },
      { type: 'namespace', name: 'multi_agent_v1', tools: [{ type: 'function', name: 'spawn_agent', parameters: { type: 'object' } }] },
      { type: 'custom', name: 'apply_patch', description: 'patch files', format: { type: 'grammar', syntax: 'lark', definition: 'start: begin_patch' } },
      { type: 'web_search' },
      { type: 'tool_search' },
    ]);
    expect(tools.map((t) => t.function.name)).toEqual(['exec_command', 'multi_agent_v1__spawn_agent', 'apply_patch']);
    expect(tools[0].function).not.toHaveProperty('strict');
    expect(tools[2].function.parameters).toMatchObject({ type: 'object', required: ['input'], properties: { input: { type: 'string' } } });
    expect(JSON.stringify(tools[2].function.parameters)).toContain('start: begin_patch');
    expect(resolveToolName(toolNames, 'multi_agent_v1__spawn_agent')).toEqual({ name: 'spawn_agent', namespace: 'multi_agent_v1', kind: 'function' });
    expect(resolveToolName(toolNames, 'apply_patch')).toEqual({ name: 'apply_patch', kind: 'custom', namespace: undefined });
    expect(resolveToolName(toolNames, 'made_up')).toEqual({ name: 'made_up', kind: 'function' });
  });

  it('keeps every flattened name within the chat limits and apart from each other', () => {
    const long = 'x'.repeat(80);
    const names = [flattenToolName(long, 'mcp__server'), flattenToolName(`${long}y`, 'mcp__server'), flattenToolName('a.b'), flattenToolName('a_b'), flattenToolName('tool', 'mcp__my.server')];
    for (const name of names) expect(name).toMatch(VALID);
    expect(new Set(names).size).toBe(names.length);
    expect(flattenToolName(long, 'mcp__server')).toBe(flattenToolName(long, 'mcp__server'));
  });

  it('maps tool_choice shapes', () => {
    expect(convertToChatToolChoice('required')).toBe('required');
    expect(convertToChatToolChoice({ type: 'function', name: 'echo_text', namespace: 'mcp__demo' })).toEqual({ type: 'function', function: { name: 'mcp__demo__echo_text' } });
    expect(convertToChatToolChoice({ type: 'allowed_tools', mode: 'required' })).toBe('required');
    expect(convertToChatToolChoice({ type: 'web_search' })).toBe('auto');
    expect(() => convertToChatToolChoice(42)).toThrowError(/tool_choice/);
  });

  it('rejects malformed tools with their path', () => {
    expect(() => convertToChatTools([{ type: 'function' } as never])).toThrowError(/tools\[0\]\.name/);
    expect(() => convertToChatTools([{ type: 'namespace', name: 'n' } as never])).toThrowError(/tools\[0\]/);
  });

  it('converts the same frozen tools once, and hands each caller its own name map', () => {
    const tools = deepFreeze([{ type: 'function', name: 'exec_command', parameters: { type: 'object' } }, { type: 'custom', name: 'apply_patch' }]);
    const first = convertToChatTools(tools as never);
    const second = convertToChatTools(tools as never);
    expect(second.tools).toBe(first.tools);
    expect(isDeepFrozen(first.tools)).toBe(true);
    expect(second.toolNames).toEqual(first.toolNames);
    first.toolNames.clear();
    expect(convertToChatTools(tools as never).toolNames.size).toBe(2);
    expect(convertToChatTools(structuredClone(tools) as never).tools).not.toBe(first.tools);
  });
});
