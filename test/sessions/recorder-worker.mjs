// A bridge process's session recording, without the bridge: records fake /v1/responses results
// through the built recorder (dist/), for the multi-process tests. Plain .mjs so it runs under
// node directly. Argument: JSON {home, requests: [[conversation, count]], mode, flushDelayMs, bytes}.
//   mode "close": record everything, await close() (the normal end of run/serve)
//   mode "exit": record everything, then process.exit(0) without close (the exit handler writes)
//   mode "exit-inflight": start a flush, and exit while it is in the middle of it
//   mode "flush-exit": record everything with timed flushes, then record `late` more and
//                process.exit(0); prints how many requests were flushed before the exit
//   mode "loop": record and flush forever (until killed), with big SessionStore data so that writes
//                take a while; prints "writing" once the first write landed
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openSessionRecorder } from '../../dist/sessions/session-recorder.js';
import { SessionStore } from '../../dist/state/session-store.js';

const options = JSON.parse(process.argv[2]);
const store = new SessionStore();
const recorder = await openSessionRecorder({
  home: options.home,
  upstreamHost: 'api.example.com',
  store,
  flushDelayMs: options.flushDelayMs ?? 1,
  warn: (line) => process.stderr.write(`warn: ${line}\n`),
});

let serial = 0;
const lastOf = new Map();
function record(conversation) {
  const responseId = `resp_${process.pid}_${++serial}`;
  const items = [{ type: 'message', role: 'user', content: `hello from ${conversation}` }];
  if (options.bytes) items.push({ type: 'message', role: 'assistant', content: 'x'.repeat(options.bytes) });
  // A previous_response_id client (no thread-id): each response continues the last one.
  store.recordResponse({ id: responseId, conversation, parentId: lastOf.get(conversation), items });
  lastOf.set(conversation, responseId);
  recorder.onResponse({
    responseId,
    conversation,
    model: 'mock-model',
    status: 'completed',
    httpStatus: 200,
    usage: { input_tokens: 10, output_tokens: 3, total_tokens: 13, input_tokens_details: { cached_tokens: 1 }, output_tokens_details: { reasoning_tokens: 2 } },
    inputItems: items.slice(0, 1),
    headers: { authorization: 'Bearer worker-secret-token' },
  });
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

if (options.mode === 'loop') {
  let first = true;
  for (;;) {
    record(`${options.prefix ?? 'loop'}-${serial % 7}`);
    await recorder.flush();
    if (first) {
      process.stdout.write('writing\n');
      first = false;
    }
  }
}

for (const [conversation, count] of options.requests) {
  for (let i = 0; i < count; i++) {
    record(conversation);
    if (i % 3 === 0) await tick(); // let flush timers interleave with new requests
  }
}

if (options.mode === 'exit') process.exit(0);
if (options.mode === 'flush-exit') {
  await recorder.flush();
  const flushed = JSON.parse(readFileSync(path.join(options.home, 'sessions.json'), 'utf8')).sessions.reduce((sum, s) => sum + s.requests, 0);
  process.stdout.write(`flushed before exit: ${flushed} requests\n`);
  for (let i = 0; i < options.late; i++) record('late');
  process.exit(0);
}
if (options.mode === 'exit-inflight') {
  void recorder.flush();
  // Exit at a random point of that flush: before the lock, mid-write, or after it landed.
  await new Promise((resolve) => setTimeout(resolve, Math.random() * (options.maxDelayMs ?? 10)));
  process.exit(0);
}
await recorder.close();
