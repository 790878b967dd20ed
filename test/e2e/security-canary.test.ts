import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sseFrame } from '../helpers/mock-upstream.js';
import { ensureBuilt } from './ensure-built.js';
import { codexExec, killAll, processesMentioning, readProc, waitFor } from './fault-helpers.js';
import { makeSandbox, type Sandbox } from './sandbox.js';

// The upstream key is a canary: a fresh `sk-canary-…` per test. It goes through the real
// `codex-bridge run` and the real Codex to an upstream that echoes every request it gets, the
// Authorization header first, back in its error messages (in a 200 stream and as an HTTP 400).
// The key must reach that upstream and nothing else: no output, no log, no profile, no process
// environment or command line, no file anywhere in the sandbox. The per-run token the bridge hands
// Codex must not be on any command line (`ps` shows those to every user) or in the profile.

let sandbox: Sandbox | undefined;
let echo: EchoUpstream | undefined;
let strays: number[] = [];
beforeAll(ensureBuilt, 120_000);
afterEach(async () => {
  killAll(strays);
  await echo?.close();
  sandbox?.dispose();
  strays = [];
  echo = undefined;
  sandbox = undefined;
});

interface Seen {
  headers: IncomingMessage['headers'];
  body: string;
}

interface EchoUpstream {
  url: string;
  seen: Seen[];
  /** Resolves when the first request arrives; it is held until `proceed()`. */
  firstArrived: Promise<void>;
  proceed(): void;
  close(): Promise<void>;
}

/**
 * Request 0 (held until the test has looked around): a tool call that dumps the tool's environment.
 * Request 1: a 200 stream whose only chunk is an `{"error":…}` echoing the request.
 * Request 2 and later: HTTP 400 echoing the request.
 */
async function startEchoUpstream(): Promise<EchoUpstream> {
  const seen: Seen[] = [];
  let arrived!: () => void;
  const firstArrived = new Promise<void>((resolve) => (arrived = resolve));
  let proceed!: () => void;
  const proceeding = new Promise<void>((resolve) => (proceed = resolve));
  const echoOf = (request: Seen) =>
    `echo of your request: authorization=${request.headers.authorization}; headers=${JSON.stringify(request.headers)}; body=${request.body.slice(0, 4000)}`;

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', async () => {
      const request = { headers: req.headers, body: Buffer.concat(parts).toString('utf8') };
      const index = seen.push(request) - 1;
      if (index === 0) {
        arrived();
        await proceeding;
        const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
          sseFrame({ id: 'c0', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(
          chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_env', type: 'function', function: { name: 'exec_command', arguments: JSON.stringify({ cmd: 'env > env.txt' }) } }] }) +
            chunk({}, 'tool_calls') +
            'data: [DONE]\n\n',
        );
        return;
      }
      if (index === 1) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(sseFrame({ error: { message: echoOf(request), type: 'server_error', code: 500 } }) + 'data: [DONE]\n\n');
        return;
      }
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: echoOf(request), type: 'invalid_request_error', code: null } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    seen,
    firstArrived,
    proceed,
    close: async () => {
      proceed();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Every regular file under `root` whose bytes contain `needle`. */
function filesContaining(root: string, needle: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      const stat = lstatSync(file);
      if (stat.isDirectory()) walk(file);
      else if (stat.isFile() && readFileSync(file).includes(needle)) found.push(path.relative(root, file));
    }
  };
  walk(root);
  return found;
}

function environOf(pid: number): Record<string, string> {
  const entries = (readProc(pid, 'environ') ?? '').split('\0').filter(Boolean);
  return Object.fromEntries(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

describe('the upstream key as a canary through run and the real Codex', () => {
  it('reaches the upstream and nothing else, even when the upstream echoes it back', async () => {
    const canary = `sk-canary-${randomBytes(16).toString('hex')}`;
    sandbox = makeSandbox();
    const s = sandbox;
    echo = await startEchoUpstream();
    const bridgeHome = path.join(s.root, 'bridge-home');
    const logFile = path.join(s.root, 'bridge.log');
    const run = codexExec(s, echo.url, 'Dump the environment.', {
      key: canary,
      env: { CODEX_BRIDGE_HOME: bridgeHome },
      bridgeArgs: ['--log-file', logFile],
    });

    // ---- during the run, while the model "thinks" ----
    await echo.firstArrived;
    const profileFiles = s.leftovers();
    expect(profileFiles).toHaveLength(2);
    const profileName = profileFiles.find((name) => name.endsWith('.config.toml'))!.replace(/\.config\.toml$/, '');
    const codexPids = processesMentioning(profileName);
    strays = codexPids;
    expect(codexPids.length).toBe(2); // the npm shim and the native binary
    const bridgeCmdline = readProc(run.pid!, 'cmdline')!;
    const token = environOf(codexPids[0]).CODEX_BRIDGE_TOKEN;
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const profiles = profileFiles.map((name) => ({ name, text: readFileSync(path.join(s.codexHome, name), 'utf8'), mode: statSync(path.join(s.codexHome, name)).mode & 0o777 }));
    const codexProcesses = codexPids.map((pid) => ({ pid, cmdline: readProc(pid, 'cmdline') ?? '', environ: readProc(pid, 'environ') ?? '' }));
    echo.proceed();
    const result = await run;

    // The key went upstream, as the bearer token of every request.
    expect(echo.seen.length).toBeGreaterThanOrEqual(3);
    for (const request of echo.seen) expect(request.headers.authorization).toBe(`Bearer ${canary}`);
    // The temporary profile: private, and neither the key nor the token is in it.
    for (const profile of profiles) {
      expect(profile.mode, profile.name).toBe(0o600);
      expect(profile.text, profile.name).not.toContain(canary);
      expect(profile.text, profile.name).not.toContain(token);
    }
    expect(profiles.find((p) => p.name.endsWith('.config.toml'))!.text).toContain('env_key = "CODEX_BRIDGE_TOKEN"');
    // Command lines (world-readable through ps): neither secret. Environments: the token only.
    expect(bridgeCmdline).not.toContain(canary);
    expect(bridgeCmdline).not.toContain(token);
    expect(bridgeCmdline).toContain('MOCK_KEY'); // the variable's name, not its value
    for (const codex of codexProcesses) {
      expect(codex.cmdline).toContain(`--profile\0${profileName}`);
      expect(codex.cmdline).not.toContain(canary);
      expect(codex.cmdline).not.toContain(token);
      expect(codex.environ).not.toContain(canary);
      expect(codex.environ).toContain(`CODEX_BRIDGE_TOKEN=${token}`);
    }

    // ---- after the run ----
    // The echoes reached Codex, and it showed the last one: scrubbed.
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toMatch(/echo of your request: authorization=Bearer \[redacted\]/);
    expect(result.all).not.toContain(canary);
    expect(result.all).not.toContain(token);
    // The tool Codex ran did not get the key in its environment either.
    const toolEnv = readFileSync(path.join(s.cwd, 'env.txt'), 'utf8');
    expect(toolEnv).toContain('PATH=');
    expect(toolEnv).not.toContain(canary);
    // The log file has a line per request and no secret.
    const log = readFileSync(logFile, 'utf8');
    expect(log).toMatch(/POST \/v1\/responses .*status=400/);
    expect(log).not.toContain(canary);
    expect(log).not.toContain(token);
    // The sessions file, in versions that keep one, and no journal beside it (older versions kept
    // one while a bridge ran; the scan below would cover it too).
    const sessionsFile = path.join(bridgeHome, 'sessions.json');
    if (existsSync(sessionsFile)) expect(readFileSync(sessionsFile, 'utf8')).not.toContain(canary);
    expect(existsSync(`${sessionsFile}.journal`)).toBe(false);
    // And nowhere at all: HOME, CODEX_HOME with Codex's own session logs, the bridge's home, the
    // working directory, the log file.
    // Codex keeps the errors it saw in its session log: scrubbed there too (so the scan below does
    // look where an unscrubbed echo would have landed).
    expect(filesContaining(path.join(s.codexHome, 'sessions'), 'authorization=Bearer [redacted]').length).toBeGreaterThan(0);
    expect(filesContaining(s.root, canary)).toEqual([]);
    expect(s.leftovers()).toEqual([]);
  }, 150_000);
});
