import { describe, expect, it } from 'vitest';
import { connectionFix, keyFix, notFoundFix, presetFor } from './upstream-fix.js';

describe('upstream fixes', () => {
  it('a local server that is not running: how to start it', () => {
    expect(connectionFix({ kind: 'refused' }, { upstream: 'http://127.0.0.1:11434/v1', provider: 'ollama' })).toBe(
      'is Ollama running? start it with `ollama serve`, and fetch the model with `ollama pull gpt-oss:20b`',
    );
    // Recognised by its port without --provider.
    expect(connectionFix({ kind: 'refused' }, { upstream: 'http://localhost:11434/v1' })).toMatch(/^is Ollama running\? start it with `ollama serve`/);
    expect(connectionFix({ kind: 'refused' }, { upstream: 'http://127.0.0.1:9/v1' })).toBe('nothing listens on 127.0.0.1:9: check --upstream, or start the server');
  });

  it('DNS, plain HTTP, TLS, timeouts, silence', () => {
    expect(connectionFix({ kind: 'dns' }, { upstream: 'https://api.deepsek.com/v1' })).toBe("check the host name in --upstream (api.deepsek.com), and this machine's network");
    expect(connectionFix({ kind: 'plain-http' }, { upstream: 'https://127.0.0.1:8000/v1' })).toBe('use http:// in --upstream (http://127.0.0.1:8000/v1)');
    expect(connectionFix({ kind: 'tls' }, { upstream: 'https://x.example/v1' })).toMatch(/NODE_EXTRA_CA_CERTS/);
    expect(connectionFix({ kind: 'timeout' }, { upstream: 'https://x.example/v1' })).toBe('check --upstream, and any firewall or proxy between here and x.example');
    expect(connectionFix({ kind: 'silent' }, { upstream: 'https://x.example/v1' })).toMatch(/--upstream-timeout/);
  });

  it('a rejected key: the variable by name, and where keys come from', () => {
    expect(keyFix({ upstream: 'https://api.deepseek.com/v1', provider: 'deepseek', apiKeyEnv: 'DEEPSEEK_API_KEY' })).toBe(
      'check the key in $DEEPSEEK_API_KEY (https://platform.deepseek.com/api_keys)',
    );
    expect(keyFix({ upstream: 'https://api.deepseek.com/v1', apiKeyEnv: 'MY_KEY' })).toBe('check the key in $MY_KEY');
    expect(keyFix({ upstream: 'https://x.example/v1' })).toMatch(/--api-key-env VAR/);
  });

  it('a 404: the model when the upstream says so, else the base URL', () => {
    expect(notFoundFix('The model `gpt-9` does not exist', { upstream: 'https://x/v1' })).toMatch(/^check --model/);
    expect(notFoundFix('404 page not found', { upstream: 'https://x' })).toMatch(/^check --upstream: .*ending in \/v1/);
  });

  it('presetFor: by id, else by host', () => {
    expect(presetFor({ upstream: 'https://whatever/v1', provider: 'kimi' })?.id).toBe('kimi');
    expect(presetFor({ upstream: 'https://api.deepseek.com/v1' })?.id).toBe('deepseek');
    expect(presetFor({ upstream: 'https://openrouter.ai/api/v1' })?.id).toBe('openrouter');
    expect(presetFor({ upstream: 'not a url' })).toBeUndefined();
  });
});
