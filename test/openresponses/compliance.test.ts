// The Open Responses compliance suite's scenarios (bin/compliance-test.ts, src/lib/compliance-tests.ts
// in openresponses/openresponses: every test that is not optional), run against `serve` in front of a
// strict chat upstream. As the suite does, each final response must parse as a ResponseResource, and
// each streamed event as one of the spec's streaming events; here every scenario also runs streamed.
import { describe, expect, it } from 'vitest';
import { parseSse } from '../integration/bridge-harness.js';
import { servePerTest, type ServeHarness } from '../clients/serve-harness.js';
import { lastUserText, scriptedModel } from '../clients/scripted-model.js';
import type { MockTurn } from '../helpers/mock-upstream.js';
import type { ChatRequest } from '../../src/translate/types.js';
import { responseResource, streamingEvent, violations } from './spec-schemas.js';

type Body = Record<string, unknown>;
type Checked = { response: any; events: any[] };

const weatherTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Get the current weather for a location',
  parameters: { type: 'object', properties: { location: { type: 'string', description: 'A city and state' } }, required: ['location'] },
};

/** A one-page PDF whose only text is `text`, built here (pdf.js reads it without an xref table). */
function pdfOf(text: string): string {
  const stream = `BT /F1 12 Tf 72 72 Td (${text}) Tj ET`;
  const pdf = [
    '%PDF-1.1',
    '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
    '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
    '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >> endobj',
    `4 0 obj << /Length ${stream.length} >> stream\n${stream}\nendstream endobj`,
    '5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj',
    'trailer << /Root 1 0 R >>',
    '%%EOF',
  ].join('\n');
  return `data:application/pdf;base64,${Buffer.from(pdf, 'latin1').toString('base64')}`;
}

const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** POSTs a Responses request the way the suite does; the final response and every event, each checked against the spec. */
async function send(harness: ServeHarness, body: Body, stream: boolean): Promise<Checked> {
  const res = await fetch(`${harness.url}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${harness.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream }),
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  if (!stream) {
    const response = JSON.parse(text);
    expect(violations(responseResource, response)).toEqual([]);
    return { response, events: [] };
  }
  const events = parseSse(text);
  expect(events.length).toBeGreaterThan(0);
  for (const event of events) expect(violations(streamingEvent, event), `${event.type}`).toEqual([]);
  const final = events.findLast((e) => ['response.completed', 'response.failed', 'response.incomplete'].includes(e.type));
  expect(violations(responseResource, final?.response)).toEqual([]);
  return { response: final!.response, events };
}

const completedWithOutput = ({ response }: Checked) => {
  expect(response.status).toBe('completed');
  expect(response.output.length).toBeGreaterThan(0);
  expect(response.completed_at).toBeGreaterThanOrEqual(response.created_at);
};

interface Scenario {
  id: string;
  body: Body;
  check: (result: Checked, harness: ServeHarness) => void;
}

const scenarios: Scenario[] = [
  { id: 'basic-response', body: { input: [{ type: 'message', role: 'user', content: 'Say hello in exactly 3 words.' }] }, check: completedWithOutput },
  { id: 'streaming-response', body: { input: [{ type: 'message', role: 'user', content: 'Count from 1 to 5.' }] }, check: completedWithOutput },
  {
    id: 'system-prompt',
    body: { input: [{ type: 'message', role: 'system', content: 'You are a pirate.' }, { type: 'message', role: 'user', content: 'Say hello.' }] },
    check: (result, harness) => {
      completedWithOutput(result);
      expect(harness.upstream.requests[0].body.messages[0]).toEqual({ role: 'system', content: 'You are a pirate.' });
    },
  },
  {
    id: 'tool-calling',
    body: { input: [{ type: 'message', role: 'user', content: "What's the weather like in San Francisco?" }], tools: [weatherTool] },
    check: ({ response, events }) => {
      expect(response.output.some((item: { type: string }) => item.type === 'function_call')).toBe(true);
      if (events.length === 0) return;
      // tool-calling-streaming: the function call's own events.
      const types = events.map((e) => e.type);
      expect(events.some((e) => e.type === 'response.output_item.added' && e.item?.type === 'function_call')).toBe(true);
      expect(types).toContain('response.function_call_arguments.delta');
      expect(types).toContain('response.function_call_arguments.done');
      expect(events.some((e) => e.type === 'response.output_item.done' && e.item?.type === 'function_call')).toBe(true);
    },
  },
  {
    id: 'image-input',
    body: { input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What do you see?' }, { type: 'input_image', image_url: PNG }] }] },
    check: (result, harness) => {
      completedWithOutput(result);
      expect(harness.upstream.requests[0].body.messages[0].content).toContainEqual({ type: 'image_url', image_url: { url: PNG } });
    },
  },
  {
    id: 'file-input',
    body: {
      input: [
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'Read the attached file and answer with its title only.' },
            { type: 'input_file', filename: 'fixture.pdf', file_data: pdfOf('Title: Bridge Compliance Fixture') },
          ],
        },
      ],
    },
    check: (result, harness) => {
      completedWithOutput(result);
      // A provider that reads no files gets the PDF's text, marked as extracted.
      expect(harness.upstream.requests[0].body.messages[0].content).toBe(
        'Read the attached file and answer with its title only.\n[text extracted from the PDF "fixture.pdf"; its layout and images are not included]\nTitle: Bridge Compliance Fixture',
      );
    },
  },
  {
    id: 'multi-turn',
    body: {
      input: [
        { type: 'message', role: 'user', content: 'My name is Alice.' },
        { type: 'message', role: 'assistant', content: 'Hello Alice! How can I help you today?' },
        { type: 'message', role: 'user', content: 'What is my name?' },
      ],
    },
    check: (result, harness) => {
      completedWithOutput(result);
      expect(harness.upstream.requests[0].body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    },
  },
];

describe('Open Responses compliance (non-optional tests) against serve', () => {
  const start = servePerTest();

  for (const scenario of scenarios) {
    for (const stream of [false, true]) {
      it(`${scenario.id}${stream ? ' (streamed)' : ''}`, async () => {
        const harness = await start({ turns: scriptedModel({ toolArguments: { get_weather: { location: 'San Francisco, CA' } } }) });
        scenario.check(await send(harness, { model: 'mock-model', ...scenario.body }, stream), harness);
      });
    }
  }

  for (const stream of [false, true]) {
    it(`function-call-roundtrip${stream ? ' (streamed)' : ''}`, async () => {
      const harness = await start({ turns: scriptedModel({ toolArguments: { get_weather: { location: 'San Francisco, CA' } } }) });
      const first = await send(
        harness,
        { model: 'mock-model', input: 'Use the weather tool to get the temperature in San Francisco.', tools: [weatherTool], tool_choice: { type: 'function', name: 'get_weather' } },
        stream,
      );
      expect(first.response.tool_choice).toEqual({ type: 'function', name: 'get_weather' });
      const call = first.response.output.find((item: { type: string }) => item.type === 'function_call');
      expect(call).toMatchObject({ call_id: expect.any(String), arguments: '{"location":"San Francisco, CA"}' });
      const second = await send(
        harness,
        { model: 'mock-model', previous_response_id: first.response.id, input: [{ type: 'function_call_output', call_id: call.call_id, output: '64 degrees and clear' }] },
        stream,
      );
      completedWithOutput(second);
      expect(second.response.output_text ?? second.response.output[0].content[0].text).toBe('The tool said: 64 degrees and clear');
    });

    it(`previous-response-id${stream ? ' (streamed)' : ''}`, async () => {
      const harness = await start({ turns: scriptedModel() });
      const first = await send(harness, { model: 'mock-model', input: 'Remember this code word: papaya. Reply with only OK.' }, stream);
      const second = await send(harness, { model: 'mock-model', previous_response_id: first.response.id, input: 'What code word did I ask you to remember?' }, stream);
      completedWithOutput(second);
      expect(second.response.previous_response_id).toBe(first.response.id);
      expect(harness.upstream.requests[1].body.messages.map((m) => m.content)).toEqual([
        'Remember this code word: papaya. Reply with only OK.',
        'Echo: Remember this code word: papaya. Reply with only OK.',
        'What code word did I ask you to remember?',
      ]);
    });
  }
});

describe('every streamed event conforms, whatever the upstream sends', () => {
  const start = servePerTest();
  const scripted = (turn: MockTurn) => (request: ChatRequest) => ({ ...turn, content: turn.content ?? (turn.toolCalls ? undefined : `Echo: ${lastUserText(request)}`) });
  const cases: Array<[string, MockTurn, string]> = [
    ['reasoning then text', { reasoning: 'Let me think.', content: 'Done.' }, 'response.completed'],
    ['reasoning then a tool call', { reasoning: 'I need the tool.', toolCalls: [{ name: 'get_weather', arguments: '{"location":"Oslo"}' }] }, 'response.completed'],
    ['an answer cut by the output limit', { content: 'Partial answer', finishReason: 'length' }, 'response.incomplete'],
    ['a stream cut by the upstream', { content: 'Never finished', cutAfterFrames: 2 }, 'response.failed'],
  ];
  for (const [name, turn, end] of cases) {
    it(name, async () => {
      const harness = await start({ turns: scripted(turn) });
      const { events, response } = await send(harness, { model: 'mock-model', input: 'Go', tools: [weatherTool], reasoning: { effort: 'low', summary: 'auto' } }, true);
      expect(events.at(-1)?.type).toBe(end);
      expect(response.completed_at).toEqual(expect.any(Number));
      expect(events[0].response).toMatchObject({ status: 'in_progress', completed_at: null, reasoning: { effort: 'low', summary: 'auto' } });
    });
  }
});

describe('the spec schemas', () => {
  it('refuse the response object the bridge sent before it carried every field', () => {
    const before = { id: 'resp_1', object: 'response', created_at: 1, status: 'completed', model: 'm', output: [], usage: null, error: null, incomplete_details: null, previous_response_id: null };
    const missing = violations(responseResource, before).map((line) => line.split(':')[0]);
    expect(missing).toEqual(expect.arrayContaining(['completed_at', 'instructions', 'tools', 'tool_choice', 'parallel_tool_calls', 'temperature', 'top_p', 'text', 'truncation', 'store', 'reasoning', 'max_output_tokens', 'service_tier', 'metadata']));
    expect(violations(streamingEvent, { type: 'response.output_text.delta', item_id: 'm', output_index: 0, content_index: 0, delta: 'x' })).toEqual(['sequence_number: Invalid input: expected number, received undefined']);
  });
});
