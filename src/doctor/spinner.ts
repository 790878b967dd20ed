// A progress line on stderr while the network checks run, only on a terminal: redrawn in place,
// erased when done, so nothing of it is left in the output.

export interface Progress {
  update(text: string): void;
  stop(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function startProgress(stream: { isTTY?: boolean; write(text: string): unknown }, enabled = Boolean(stream.isTTY)): Progress {
  if (!enabled) return { update: () => {}, stop: () => {} };
  let text = '';
  let frame = 0;
  const draw = () => stream.write(`\r${FRAMES[frame++ % FRAMES.length]} ${text}\u001b[K`);
  const timer = setInterval(draw, 80);
  timer.unref();
  let stopped = false;
  return {
    update: (next) => {
      text = next;
      if (!stopped) draw();
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      stream.write('\r\u001b[K');
    },
  };
}
