// The sessions file write with 500 sessions: the SessionRecorder's flush (under the lock, one line
// appended to sessions.json.journal and fdatasync'd; or, when the journal has grown past its
// limit, sessions.json rewritten atomically with the journal folded in), as `serve` and `run` do it
// off the response path, timed one flush after another. Each flush carries one more request of one
// session, with a new reasoning entry for it, like a Codex turn. The file lives in a fresh temporary
// directory. Besides each flush's wall time (mostly file I/O, which happens off the event loop), the
// longest stretch it kept the event loop busy is measured: that is what a stream being served
// meanwhile feels. How many of the timed flushes were rewrites is counted, and a rewrite (what
// close() and the journal limit do) is timed on its own, since at one per few hundred flushes it
// never shows in a p95.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { summary } from './stats.mjs';

const dist = new URL('../../dist/', import.meta.url);
const load = async () => ({
  ...(await import(new URL('sessions/session-recorder.js', dist).href)),
  ...(await import(new URL('sessions/session-store.js', dist).href)),
  ...(await import(new URL('sessions/sessions-file.js', dist).href)),
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

/** Times `action` and the longest stretch it kept the event loop busy. */
async function timed(action) {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const started = performance.now();
  await action();
  const ms = performance.now() - started;
  loop.disable();
  // The histogram counts delays past its 1 ms timer; none recorded means no block longer than that.
  return { ms, blockedMs: loop.count > 0 ? Math.max(0, loop.max / 1e6 - 1) : 0 };
}

const inode = (file) => statSync(file, { throwIfNoEntry: false })?.ino;
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

export async function benchSessionsFileWrite({ sessions, writes, rewrites: rewritesWanted = 5 }) {
  const fixture = await sessionsFixture(sessions);
  const { compactSessionsFile, journalPathOf } = await load();
  const { recorder, respond, openMs, checkWarnings } = await openRecorder(fixture.home);
  const journal = journalPathOf(recorder.path);
  let closed = false;
  try {
    const ms = [];
    const blockedMs = [];
    // Flushes that rewrote sessions.json (the journal reached its limit) rather than appended.
    const rewriteMs = [];
    const rewriteBlockedMs = [];
    let turn = 4;
    let flushes = 0;
    const flushOne = async () => {
      respond(((turn - 4) * 37) % sessions, turn++);
      const before = inode(recorder.path);
      const flush = await timed(() => recorder.flush());
      flushes++;
      // A rewrite replaces sessions.json by a rename: a new inode.
      const rewrote = inode(recorder.path) !== before;
      if (rewrote) {
        rewriteMs.push(flush.ms);
        rewriteBlockedMs.push(flush.blockedMs);
      }
      return flush;
    };
    for (let i = 0; i < writes; i++) {
      const flush = await flushOne();
      ms.push(flush.ms);
      blockedMs.push(flush.blockedMs);
    }
    const rewritesInTimed = rewriteMs.length;
    const journalBytes = sizeOf(journal);
    // Folded in (untimed), for the size of sessions.json with everything those flushes wrote.
    await compactSessionsFile(recorder.path);
    const fileBytes = sizeOf(recorder.path);
    // Then on, until a few rewrites were seen: their cost on its own (at one per few hundred
    // flushes they never show in the p95 above), and how often they come.
    rewriteMs.length = 0;
    rewriteBlockedMs.length = 0;
    flushes = 0;
    while (rewriteMs.length < rewritesWanted && flushes < writes * 20) await flushOne();
    checkWarnings();
    await recorder.close();
    closed = true;
    const result = {
      sessions,
      writes: ms.length,
      fileBytes,
      openMs,
      ms: summary(ms),
      eventLoopBlockedMs: summary(blockedMs),
      rewritesInTimed,
      journalBytesAfterTimed: journalBytes,
      // The flushes after those, until `rewritesWanted` rewrites.
      flushes,
      rewrites: rewriteMs.length,
      flushesPerRewrite: rewriteMs.length > 0 ? Math.round(flushes / rewriteMs.length) : null,
      rewriteMs: summary(rewriteMs),
      rewriteEventLoopBlockedMs: summary(rewriteBlockedMs),
    };
    process.stderr.write(
      `bench: sessions file: ${rewritesInTimed} of the ${writes} timed flushes rewrote sessions.json; then ${result.rewrites} of ${flushes} (one per ~${result.flushesPerRewrite}); ` +
        `a rewriting flush p50 ${result.rewriteMs.p50.toFixed(3)} ms, max ${result.rewriteMs.max.toFixed(3)} ms, event loop busy max ${result.rewriteEventLoopBlockedMs.max.toFixed(3)} ms\n`,
    );
    return result;
  } finally {
    if (!closed) await recorder.close();
    fixture.remove();
  }
}
