import os from 'node:os';
import path from 'node:path';

// Where codex-bridge keeps its saved defaults: $CODEX_BRIDGE_HOME/config.json, else the platform's
// config directory (the one `conf` would pick for "codex-bridge" without its "-nodejs" suffix):
// ~/.config/codex-bridge on Linux ($XDG_CONFIG_HOME honoured), ~/Library/Preferences/codex-bridge
// on macOS, %APPDATA%\codex-bridge\Config on Windows. The sessions file lives in the same folder.
// Computed here rather than with env-paths so that `run` can tell "nothing saved" from one stat,
// without loading `conf` (about 100 ms).

export const CONFIG_NAME = 'config';
export const CONFIG_FILE_NAME = `${CONFIG_NAME}.json`;
const APP = 'codex-bridge';

export function configHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CODEX_BRIDGE_HOME) return path.resolve(env.CODEX_BRIDGE_HOME);
  const home = (process.platform === 'win32' ? env.USERPROFILE : env.HOME) || os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Preferences', APP);
  if (process.platform === 'win32') return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), APP, 'Config');
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), APP);
}

export function configFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(configHome(env), CONFIG_FILE_NAME);
}
