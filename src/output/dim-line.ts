/**
 * `text` dimmed for a terminal: plain with NO_COLOR or when the stream is not a TTY. chalk is loaded
 * only when it is needed (chalk 5 ignores NO_COLOR, so that is checked here).
 */
export async function dimLine(text: string, env: NodeJS.ProcessEnv = process.env, stream: { isTTY?: boolean } = process.stderr): Promise<string> {
  if (env.NO_COLOR || !stream.isTTY) return text;
  const { Chalk } = await import('chalk');
  return new Chalk({ level: 1 }).dim(text);
}
