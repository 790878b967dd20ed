import { describe, expect, it } from 'vitest';
import { describeConnectionError, describeTlsFailure } from './describe-connection-error.js';

const failing = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('describeConnectionError', () => {
  it('errors that will not heal in seconds are not retryable', () => {
    expect(describeConnectionError(failing('ECONNREFUSED'), 1000)).toEqual({ reason: 'connection refused', code: 'ECONNREFUSED', kind: 'refused', retryable: false });
    expect(describeConnectionError(failing('ENOTFOUND'), 1000)).toMatchObject({ kind: 'dns', retryable: false });
    expect(describeConnectionError(failing('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 1000)).toMatchObject({ kind: 'tls', retryable: false });
  });

  it('errors that may heal are', () => {
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN', 'EHOSTUNREACH']) {
      expect(describeConnectionError(failing(code), 1000).retryable, code).toBe(true);
    }
  });

  it('finds the code in a cause or an AggregateError', () => {
    expect(describeConnectionError(new Error('fetch failed', { cause: failing('ECONNREFUSED') }), 1000).kind).toBe('refused');
    expect(describeConnectionError(new AggregateError([failing('ECONNREFUSED'), failing('ECONNREFUSED')]), 1000).kind).toBe('refused');
  });

  it("OpenSSL's text becomes one plain line", () => {
    const openssl = '800C055D9D7F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n';
    expect(describeConnectionError(failing('ERR_SSL_WRONG_VERSION_NUMBER', openssl), 1000)).toEqual({
      reason: 'this server speaks plain HTTP, not TLS',
      code: 'ERR_SSL_WRONG_VERSION_NUMBER',
      kind: 'plain-http',
      retryable: false,
    });
    const other = '80FC:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1584:SSL alert number 40\n';
    const described = describeConnectionError(failing('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', other), 1000);
    expect(described.reason).toBe('TLS handshake failed: sslv3 alert handshake failure');
    expect(described.reason).not.toContain('\n');
  });
});

describe('describeTlsFailure', () => {
  it('names certificate problems in words', () => {
    expect(describeTlsFailure('ERR_TLS_CERT_ALTNAME_INVALID').reason).toBe('its TLS certificate is for another host name');
    expect(describeTlsFailure('CERT_HAS_EXPIRED').reason).toBe('its TLS certificate has expired');
    expect(describeTlsFailure('UNABLE_TO_GET_ISSUER_CERT_LOCALLY').reason).toMatch(/does not trust/);
    expect(describeTlsFailure('EPROTO', 'write EPROTO …:wrong version number:…').kind).toBe('plain-http');
  });
});
