import type { Socket } from 'node:net';
import type { buildConnector } from 'undici';

// One connection to the upstream opened ahead of the first request (DNS, TCP and TLS done while
// Codex starts), handed to the undici pool when that request comes. A dead upstream is known
// before anyone asks, and the first request saves the handshake's round trips.

type Connector = buildConnector.connector;
type ConnectOptions = buildConnector.Options;

/**
 * How long an opened connection waits for its first request. Servers close connections that stay
 * silent (Node after 60 s without a request); a socket they closed is noticed and not handed over,
 * and before that a fresh one is cheaper than the race.
 */
export const WARM_CONNECTION_MAX_AGE_MS = 30_000;

interface Warm {
  ready: Promise<Socket>;
  /** Undoes what holding the socket set up (listeners, timer), before it is handed over. */
  release?: () => void;
}

/** The options undici's pool passes its connector for `origin`. */
function connectOptionsFor(origin: URL): ConnectOptions {
  const hostname = origin.hostname.startsWith('[') ? origin.hostname.slice(1, -1) : origin.hostname;
  return { host: origin.host, hostname, protocol: origin.protocol, port: origin.port };
}

export interface WarmConnector {
  /** The pool's `connect` option: the warm connection if there is one, else a new one. */
  connect: Connector;
  /** Opens the connection; resolves with the error if it could not be opened, else undefined. */
  warm(): Promise<unknown>;
  /** Whether an opened connection is waiting for a request. */
  holding(): boolean;
  /** Drops a connection nobody took. */
  close(): void;
}

export function createWarmConnector(connect: Connector, origin: URL, maxAgeMs = WARM_CONNECTION_MAX_AGE_MS): WarmConnector {
  let warm: Warm | undefined;
  let closed = false;

  function take(): Warm | undefined {
    const entry = warm;
    warm = undefined;
    return entry;
  }

  return {
    connect(options, callback) {
      const entry = take();
      if (!entry) {
        connect(options, callback);
        return;
      }
      entry.ready.then(
        (socket) => {
          entry.release?.();
          if (socket.destroyed || !socket.writable) connect(options, callback);
          else callback(null, socket);
        },
        // Still being opened when the request came, and it failed: that is this request's answer.
        (error: Error) => callback(error, null),
      );
    },

    warm() {
      if (closed) return Promise.resolve(undefined);
      const entry: Warm = {
        ready: new Promise<Socket>((resolve, reject) => {
          connect(connectOptionsFor(origin), (...args) => (args[0] ? reject(args[0]) : resolve(args[1] as Socket)));
        }),
      };
      take()?.ready.then((socket) => socket.destroy(), () => {});
      warm = entry;
      return entry.ready.then(
        (socket) => {
          if (warm !== entry) return undefined; // already taken by a request
          // Nothing is read before a request is sent: reading lets a close by the server be noticed
          // (and drops whatever it says before closing, such as a 408).
          const forget = () => {
            if (warm === entry) warm = undefined;
          };
          const ignore = () => {};
          const timer = setTimeout(() => {
            if (warm === entry) {
              warm = undefined;
              socket.destroy();
            }
          }, maxAgeMs);
          timer.unref();
          socket.on('error', ignore).once('close', forget).resume();
          entry.release = () => {
            clearTimeout(timer);
            socket.off('close', forget).off('error', ignore).pause();
          };
          return undefined;
        },
        (error: unknown) => {
          if (warm === entry) warm = undefined;
          return error;
        },
      );
    },

    holding: () => warm?.release !== undefined,

    close() {
      closed = true;
      take()?.ready.then((socket) => socket.destroy(), () => {});
    },
  };
}
