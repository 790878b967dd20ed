import path from 'node:path';
import envPaths from 'env-paths';

// Where codex-bridge keeps its own files: $CODEX_BRIDGE_HOME, else the platform's config directory
// (the one `conf` would use, without its "-nodejs" suffix): ~/.config/codex-bridge on Linux,
// ~/Library/Preferences/codex-bridge on macOS, %APPDATA%\codex-bridge\Config on Windows.

export const SESSIONS_FILE_NAME = 'sessions.json';

export function sessionsHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CODEX_BRIDGE_HOME) return path.resolve(env.CODEX_BRIDGE_HOME);
  return envPaths('codex-bridge', { suffix: '' }).config;
}

export function sessionsFilePath(home: string): string {
  return path.join(home, SESSIONS_FILE_NAME);
}
