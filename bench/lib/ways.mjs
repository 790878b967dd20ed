// The processes a run measures (the mock upstream, the bridge, the pass-through proxy, and with
// --compare a second bridge build), the clients that stream through each, and the helpers that turn
// per-way results into a row's bridge / pass-through / compared-build values.
import path from 'node:path';
import { startProcess } from './children.mjs';
import { createTarget } from './client.mjs';
import { codexFirstTurn } from './history.mjs';
import { BENCH, bridgeDist, compareDist, cpuProf, log } from './options.mjs';
import { convertToChatRequest } from '../../dist/translate/convert-to-chat-request.js';

const TOKEN = 'bench-token-0123456789abcdef';
const UPSTREAM_KEY = 'sk-bench-upstream-key';
export const NO_REASONING = { byCallId: () => undefined, byAssistantText: () => undefined };

export async function startServers({ exposeGc = false, cappedStore = false } = {}) {
  const execArgv = exposeGc ? ['--expose-gc'] : [];
  const profArgv = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.join(BENCH, 'profiles')}`] : [];
  const mock = await startProcess(path.join(BENCH, 'lib/mock-upstream.mjs'));
  const env = { BENCH_UPSTREAM: `${mock.origin}/v1`, BENCH_TOKEN: TOKEN, BENCH_UPSTREAM_KEY: UPSTREAM_KEY };
  const [bridge, passThrough, baseline, capped] = await Promise.all([
    startProcess(path.join(BENCH, 'lib/bridge-process.mjs'), { env: { ...env, ...(bridgeDist && { BENCH_DIST: bridgeDist }) }, execArgv: [...execArgv, ...profArgv] }),
    startProcess(path.join(BENCH, 'lib/passthrough-process.mjs'), { env, execArgv: [...execArgv, ...profArgv] }),
    compareDist ? startProcess(path.join(BENCH, 'lib/bridge-process.mjs'), { env: { ...env, BENCH_DIST: compareDist }, execArgv }) : undefined,
    cappedStore
      ? startProcess(path.join(BENCH, 'lib/bridge-process.mjs'), { env: { ...env, ...(bridgeDist && { BENCH_DIST: bridgeDist }), BENCH_MAX_RESPONSES: '10' }, execArgv })
      : undefined,
  ]);

  const codexRequest = codexFirstTurn();
  const chatBody = (model) => JSON.stringify(convertToChatRequest({ ...codexRequest, model }, { model, reasoningLookup: NO_REASONING }).request);
  const chatHeaders = { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${UPSTREAM_KEY}` };
  const chat = { path: '/v1/chat/completions', headers: chatHeaders, bodyFor: chatBody, first: '"delta":{"content":"', end: 'data: [DONE]' };
  const responses = (name, origin) =>
    createTarget({
      name,
      origin,
      path: '/v1/responses',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${TOKEN}` },
      bodyFor: (model) => JSON.stringify({ ...codexRequest, model, stream: true }),
      first: 'event: response.output_text.delta',
      end: 'event: response.completed',
      fail: 'event: response.failed',
    });
  if (cpuProf) log(`profiling the bridge (pid ${bridge.pid}) and the pass-through (pid ${passThrough.pid}) into bench/profiles/`);
  const targets = {
    direct: createTarget({ name: 'direct', origin: mock.origin, ...chat }),
    passThrough: createTarget({ name: 'pass-through', origin: passThrough.origin, ...chat }),
    bridge: responses('bridge', bridge.origin),
    ...(baseline && { baseline: responses('baseline bridge', baseline.origin) }),
    ...(capped && { capped: responses('bridge, store capped', capped.origin) }),
  };
  return {
    mock,
    bridge,
    passThrough,
    baseline,
    capped,
    targets,
    async stop() {
      await Promise.all(Object.values(targets).map((t) => t.close()));
      await Promise.all([bridge.stop(), passThrough.stop(), baseline?.stop(), capped?.stop()]);
      await mock.stop();
    },
  };
}

/** The ways to the mock, measured in turn: with --compare, the other build of the bridge as well. */
export const NAMES = compareDist ? ['direct', 'passThrough', 'bridge', 'baseline'] : ['direct', 'passThrough', 'bridge'];
export const perName = () => Object.fromEntries(NAMES.map((name) => [name, []]));
/** The baseline build's figure, when there is one. */
export const ifCompared = (fn) => (compareDist ? fn() : undefined);
/** A row's bridge value, the pass-through's as its floor, and the compared build's: `of(way)` for each. */
export const perWay = (of) => ({ value: of('bridge'), floor: of('passThrough'), baseline: ifCompared(() => of('baseline')) });
/** perWay of a percentile of per-way stats, minus going direct's. */
export const overDirect = (stats, p) => perWay((name) => stats[name][p] - stats.direct[p]);
