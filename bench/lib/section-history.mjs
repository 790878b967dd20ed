// The bridge's request path on a long Codex history, in this process (no servers): body bytes →
// parseJsonBody → convertToChatRequest → encodeChatRequest, warm (as on every turn after a
// session's first), from empty caches (a session's first request), and done plainly.
import { Bench } from 'tinybench';
import { codexHistory } from './history.mjs';
import { CONFIG, log } from './options.mjs';
import { details, figure } from './report.mjs';
import { NO_REASONING } from './ways.mjs';
import { convertToChatRequest } from '../../dist/translate/convert-to-chat-request.js';
import { parseJsonBody, ReusedValues } from '../../dist/server/parse-json-body.js';
import { encodeChatRequest } from '../../dist/server/encode-chat-request.js';
import { KeptCache } from '../../dist/server/kept-cache.js';

export async function benchHistory() {
  const request = { ...codexHistory(CONFIG.history.items), model: 'bench-model' };
  const text = JSON.stringify(request);
  const bench = new Bench({ time: CONFIG.history.timeMs, warmupTime: CONFIG.history.warmupMs });
  bench.add('convertToChatRequest', () => {
    convertToChatRequest(request, { model: 'bench-model', reasoningLookup: NO_REASONING });
  });
  // The bridge's request path: body bytes → parsed (reusing what an earlier turn had) → translated
  // → upstream body bytes. Every turn of a session resends its history: all but the newest items
  // were seen before, as here.
  const bytes = Buffer.from(text);
  const path = (values, texts) =>
    encodeChatRequest(convertToChatRequest(parseJsonBody(bytes, values), { model: 'bench-model', reasoningLookup: NO_REASONING }).request, texts);
  const [values, texts] = [new ReusedValues(), new KeptCache(4 * 1024 * 1024)];
  bench.add('request path', () => path(values, texts));
  // A session's first request to a bridge: nothing to reuse yet, and what is worth keeping is kept.
  bench.add('request path, nothing reused', () => path(new ReusedValues(), new KeptCache(4 * 1024 * 1024)));
  // What the bridge did before it reused anything: the reference for the two rows above.
  bench.add('request path, plain JSON', () =>
    Buffer.from(JSON.stringify(convertToChatRequest(JSON.parse(bytes.toString('utf8')), { model: 'bench-model', reasoningLookup: NO_REASONING }).request)),
  );
  await bench.run();
  const [convert, full, cold, plain] = bench.tasks.map((task) => task.result);
  details.history = {
    items: request.input.length,
    requestBytes: Buffer.byteLength(text),
    convert: { samples: convert.latency.samples?.length ?? convert.samples?.length, p50: convert.latency.p50, p99: convert.latency.p99, mean: convert.latency.mean },
    requestPath: { p50: full.latency.p50, p99: full.latency.p99, mean: full.latency.mean },
    requestPathNothingReused: { p50: cold.latency.p50, p99: cold.latency.p99, mean: cold.latency.mean },
    requestPathPlainJson: { p50: plain.latency.p50, p99: plain.latency.p99, mean: plain.latency.mean },
  };
  figure('historyRequestPathP50Ms', {
    label: `request path of a ${request.input.length}-item Codex history (${Math.round(Buffer.byteLength(text) / 1024)} KB body → chat body bytes), p50`,
    unit: 'ms',
    value: full.latency.p50,
    target: 10,
  });
  figure('historyRequestPathColdP50Ms', {
    label: '  the same with nothing from an earlier turn (a session\'s first request: parse, and keep what repeats), p50',
    unit: 'ms',
    value: cold.latency.p50,
    target: 10,
  });
  figure('historyRequestPathPlainP50Ms', {
    label: '  the same done plainly (decode, JSON.parse, translate, JSON.stringify, encode: no reuse), p50',
    unit: 'ms',
    value: plain.latency.p50,
    target: null,
  });
  figure('historyTranslationP50Ms', {
    label: '  of which translation alone (convertToChatRequest), p50',
    unit: 'ms',
    value: convert.latency.p50,
    target: null,
  });
  log(`history: request path p50 ${full.latency.p50.toFixed(3)} ms (nothing reused ${cold.latency.p50.toFixed(3)} ms), translation ${convert.latency.p50.toFixed(3)} ms`);
}
