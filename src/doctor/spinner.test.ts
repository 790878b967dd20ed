import { describe, expect, it } from 'vitest';
import { startProgress } from './spinner.js';

describe('startProgress', () => {
  it('draws on a terminal and erases itself when stopped', () => {
    let written = '';
    const progress = startProgress({ isTTY: true, write: (text: string) => (written += text) });
    progress.update('connecting to api.example.com…');
    progress.stop();
    progress.stop();
    expect(written).toContain('connecting to api.example.com…');
    expect(written.endsWith('\r\u001b[K')).toBe(true);
    expect(written.match(/\r\u001b\[K/g)).toHaveLength(1);
  });

  it('writes nothing when not on a terminal', () => {
    let written = '';
    const progress = startProgress({ isTTY: false, write: (text: string) => (written += text) });
    progress.update('x');
    progress.stop();
    expect(written).toBe('');
  });
});
