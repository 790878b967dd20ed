// The sessions file write with 500 sessions: the SessionRecorder's flush (under the lock,
// sessions.json rewritten whole with write-file-atomic: temp file, fsync, rename), as `serve` and
// `run` do it off the response path, timed one flush after another. Each flush carries one more
// request of one session, with a new reasoning entry for it, like a Codex turn. The file lives in a
// fresh temporary directory. Besides each flush's wall time (mostly file I/O, which happens off the
// event loop), the longest stretch it kept the event loop busy is measured: that is what a stream
// being served meanwhile feels. While nobody else writes, a flush reuses what it wrote last; the
// flushes right after another bridge's write read and parse sessions.json again, and are timed
// on their own.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { summary } from './stats.mjs';

const dist = new URL('../../dist/', import.meta.url);
const load = async () => ({
  ...(await import(new URL('sessions/session-recorder.js', dist).href)),
  ...(await import(new URL('state/session-store.js', dist).href)),
});

function codexTurn(session, turn) {
  return [
    {
      role: 'assistant',
      content: `Turn ${turn} of session ${session}: ran the tests, two failures left in module ${turn % 17}.`,
      reasoning_content: `The user wants session ${session}'s tests green. `.repeat(6),
      tool_calls: [{ id: `call_${session}_${turn}`, type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"npm test"}' } }],
    },
  ];
}

/** Opens a recorder on `home` (timed: `run` and `serve` do this on start-up) and a way to add a Codex turn. */
async function openRecorder(home) {
  const { openSessionRecorder, SessionStore } = await load();
  const warnings = [];
  const store = new SessionStore();
  const started = performance.now();
  const recorder = await openSessionRecorder({ home, upstreamHost: 'api.example.com', store, flushDelayMs: 3_600_000, warn: (line) => warnings.push(line) });
  const openMs = performance.now() - started;
  const respond = (session, turn) => {
    const conversation = `019a0000-0000-7000-8000-${String(session).padStart(12, '0')}`;
    store.rememberReasoning(conversation, codexTurn(session, turn));
    recorder.onResponse({
      responseId: `resp_${session}_${turn}`,
      conversation,
      model: 'deepseek-chat',
      status: 'completed',
      httpStatus: 200,
      usage: { input_tokens: 12_000, input_tokens_details: { cached_tokens: 9_000 }, output_tokens: 300, output_tokens_details: { reasoning_tokens: 120 }, total_tokens: 12_300 },
      inputItems: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: `Fix the failing tests in package ${session}` }] }],
      headers: { 'thread-id': conversation, 'x-codex-turn-metadata': JSON.stringify({ cwd: `/home/dev/project-${session % 40}` }) },
    });
  };
  const checkWarnings = () => {
    if (warnings.length > 0) throw new Error(`the sessions recorder warned: ${warnings[0]}`);
  };
  return { recorder, respond, openMs, checkWarnings, warnings };
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Times `action` and the longest stretch it kept the event loop busy. */
async function timed(action) {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  // The histogram's first tick only starts its clock: without a few ticks first, a block at the very
  // start of `action` (everything before its first I/O) would go unseen.
  await pause(3);
  const started = performance.now();
  await action();
  const ms = performance.now() - started;
  // And a tick after it, for a block at its very end.
  await pause(2);
  loop.disable();
  // The histogram counts delays past its 1 ms timer; none recorded means no block longer than that.
  return { ms, blockedMs: loop.count > 0 ? Math.max(0, loop.max / 1e6 - 1) : 0 };
}

const sizeOf = (file) => statSync(file, { throwIfNoEntry: false })?.size ?? 0;

/** A fresh temporary CODEX_BRIDGE_HOME holding a sessions.json of `sessions` sessions, four turns each. */
export async function sessionsFixture(sessions) {
  const home = mkdtempSync(path.join(tmpdir(), 'codex-bridge-bench-sessions-'));
  const { recorder, respond, checkWarnings } = await openRecorder(home);
  try {
    for (let turn = 0; turn < 4; turn++) for (let session = 0; session < sessions; session++) respond(session, turn);
    await recorder.flush();
    checkWarnings();
  } finally {
    await recorder.close();
  }
  return { home, remove: () => rmSync(home, { recursive: true, force: true }) };
}

export async function benchSessionsFileWrite({ sessions, writes, rereads }) {
  const fixture = await sessionsFixture(sessions);
  const mine = await openRecorder(fixture.home);
  // A second bridge on the same home, whose writes the first one has to read.
  const other = await openRecorder(fixture.home);
  try {
    let turn = 4;
    const flushOne = ({ recorder, respond }) => {
      respond(((turn - 4) * 37) % sessions, turn++);
      return timed(() => recorder.flush());
    };
    const ms = [];
    const blockedMs = [];
    for (let i = 0; i < writes; i++) {
      const flush = await flushOne(mine);
      ms.push(flush.ms);
      blockedMs.push(flush.blockedMs);
    }
    const fileBytes = sizeOf(mine.recorder.path);
    const rereadMs = [];
    const rereadBlockedMs = [];
    for (let i = 0; i < rereads; i++) {
      await flushOne(other);
      const flush = await flushOne(mine);
      rereadMs.push(flush.ms);
      rereadBlockedMs.push(flush.blockedMs);
    }
    mine.checkWarnings();
    other.checkWarnings();
    const result = {
      sessions,
      writes: ms.length,
      fileBytes,
      openMs: mine.openMs,
      ms: summary(ms),
      eventLoopBlockedMs: summary(blockedMs),
      rereads: rereadMs.length,
      rereadMs: summary(rereadMs),
      rereadEventLoopBlockedMs: summary(rereadBlockedMs),
    };
    process.stderr.write(
      `bench: sessions file: flush p50 ${result.ms.p50.toFixed(3)} ms, p95 ${result.ms.p95.toFixed(3)} ms, event loop busy p50 ${result.eventLoopBlockedMs.p50.toFixed(3)} ms, p95 ${result.eventLoopBlockedMs.p95.toFixed(3)} ms; ` +
        `after another bridge's write: flush p50 ${result.rereadMs.p50.toFixed(3)} ms, event loop busy p50 ${result.rereadEventLoopBlockedMs.p50.toFixed(3)} ms, p95 ${result.rereadEventLoopBlockedMs.p95.toFixed(3)} ms\n`,
    );
    return result;
  } finally {
    await mine.recorder.close();
    await other.recorder.close();
    fixture.remove();
  }
}
