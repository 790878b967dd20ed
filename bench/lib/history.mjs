// A realistic 1000-item Codex request: the captured Codex 0.169 first turn (instructions, skills,
// environment, tools) followed by a long session of turns, each a user message, a reasoning item
// with the bridge's envelope, a tool call, its output and an assistant answer.
import { readFileSync } from 'node:fs';
import { encodeReasoningEnvelope } from '../../dist/translate/reasoning-envelope.js';

const FIXTURE = new URL('../../test/fixtures/codex-0.169/turn1-plain-prompt.json', import.meta.url);

/** The Codex request the bench sends through the bridge (first turn, streamed). */
export function codexFirstTurn() {
  const recorded = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  return recorded[recorded.length - 1].body;
}

const OUTPUT = Array.from({ length: 24 }, (_, i) => `src/module-${i}.ts:${10 + i}: export function step${i}(input: string): string {`).join('\n');

export function codexHistory(itemCount = 1000) {
  const first = codexFirstTurn();
  const input = [...first.input];
  for (let turn = 0; input.length < itemCount; turn++) {
    const callId = `call_${turn}`;
    const turnItems = [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: `Step ${turn}: look at module ${turn} and fix what the tests report.` }] },
      {
        type: 'reasoning',
        id: `rs_${turn}`,
        summary: [{ type: 'summary_text', text: `**Inspecting** module ${turn}` }],
        encrypted_content: encodeReasoningEnvelope({ text: `The user wants module ${turn} fixed. I should grep for its exports first, then run the tests.`, responseId: `resp_${turn}` }),
      },
      { type: 'function_call', id: `fc_${turn}`, call_id: callId, name: 'exec_command', arguments: JSON.stringify({ cmd: `rg -n "export" src/module-${turn}.ts`, workdir: '/home/dev/project' }) },
      { type: 'function_call_output', call_id: callId, output: `Chunk ID: ${turn}\nWall time: 0.0213 seconds\nProcess exited with code 0\nOutput:\n${OUTPUT}\n` },
      {
        type: 'message',
        role: 'assistant',
        id: `msg_${turn}`,
        content: [{ type: 'output_text', text: `Module ${turn} exports 24 steps; step ${turn % 24} had an off-by-one, fixed and the tests pass.`, annotations: [] }],
      },
    ];
    for (const item of turnItems) if (input.length < itemCount) input.push(item);
  }
  return { ...first, input };
}
