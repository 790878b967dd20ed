import { UsageError } from '../output/usage-error.js';

/** Why the bridge could not start listening on host:port, in the words `serve` and `run` both use (exit 1). */
export function listenFailure(error: unknown, host: string, port: number | undefined): UsageError {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${host}:${port ?? 0}`;
  if (code === 'EADDRINUSE') return new UsageError(`cannot listen on ${where}: the port is already in use — pick another --port (or 0 for any free port)`, 1);
  if (code === 'EACCES') return new UsageError(`cannot listen on ${where}: permission denied — use a port above 1023`, 1);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new UsageError(`cannot listen on ${where}: no such address on this machine — pass --host with one of its addresses, or leave it out`, 1);
  return new UsageError(`cannot start the bridge: ${(error as Error).message ?? String(error)}`, 1);
}
