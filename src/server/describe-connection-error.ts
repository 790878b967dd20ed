// What went wrong reaching the upstream, in plain words, and whether trying again in a second or
// two could help. Shared by the bridge's upstream client and doctor.

export type ConnectionFailureKind = 'refused' | 'dns' | 'tls' | 'plain-http' | 'timeout' | 'broken' | 'silent' | 'other';

export interface ConnectionFailure {
  reason: string;
  code?: string;
  kind: ConnectionFailureKind;
  /**
   * Worth another attempt in a second or two. A refused connection, a name that does not resolve
   * and a TLS mismatch are not: they last until someone changes something.
   */
  retryable: boolean;
}

function errorCode(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as { code?: unknown; errors?: unknown[]; cause?: unknown };
  if (typeof e.code === 'string') return e.code;
  if (Array.isArray(e.errors) && e.errors.length > 0) return errorCode(e.errors[0]);
  if (e.cause) return errorCode(e.cause);
  return undefined;
}

const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_OSSL/;
/** What OpenSSL says when the other side answered TLS with plain text. */
const PLAIN_HTTP_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST']);

export const isTlsCode = (code: string | undefined): boolean => code !== undefined && TLS_CODE.test(code);

/**
 * A TLS failure as one plain line: OpenSSL's own text ("800C…:error:0A00010B:SSL routines:…") is
 * several lines of internals.
 */
export function describeTlsFailure(code: string, message = ''): { reason: string; kind: 'tls' | 'plain-http' } {
  if (PLAIN_HTTP_CODES.has(code) || /wrong version number|http request/i.test(message)) {
    return { reason: 'this server speaks plain HTTP, not TLS', kind: 'plain-http' };
  }
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return { reason: 'its TLS certificate is self-signed, so it is not trusted', kind: 'tls' };
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return { reason: 'its TLS certificate is signed by an authority this machine does not trust', kind: 'tls' };
    case 'CERT_HAS_EXPIRED':
      return { reason: 'its TLS certificate has expired', kind: 'tls' };
    case 'CERT_NOT_YET_VALID':
      return { reason: 'its TLS certificate is not valid yet', kind: 'tls' };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return { reason: 'its TLS certificate is for another host name', kind: 'tls' };
    default: {
      // OpenSSL's text, reduced to its reason ("…:SSL routines:ssl3_get_record:wrong version number:…").
      const firstLine = message.split('\n')[0];
      const reason = /SSL routines:[^:]*:([^:]+)/.exec(firstLine)?.[1] ?? firstLine;
      return { reason: `TLS handshake failed${reason ? `: ${reason.trim()}` : ''}`, kind: 'tls' };
    }
  }
}

/** What went wrong reaching the upstream, in words, and whether trying again might help. */
export function describeConnectionError(error: unknown, headersTimeoutMs: number): ConnectionFailure {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ECONNREFUSED':
      return { reason: 'connection refused', code, kind: 'refused', retryable: false };
    case 'ENOTFOUND':
      return { reason: 'DNS lookup failed', code, kind: 'dns', retryable: false };
    case 'EAI_AGAIN':
      return { reason: 'DNS lookup failed (temporary)', code, kind: 'dns', retryable: true };
    case 'ECONNRESET':
    case 'EPIPE':
      return { reason: 'connection reset', code, kind: 'broken', retryable: true };
    case 'UND_ERR_SOCKET':
      return { reason: `connection closed by the upstream (${message})`, code, kind: 'broken', retryable: true };
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { reason: 'connection timed out', code, kind: 'timeout', retryable: true };
    case 'EHOSTUNREACH':
      return { reason: 'host unreachable', code, kind: 'timeout', retryable: true };
    case 'ENETUNREACH':
      return { reason: 'network unreachable', code, kind: 'timeout', retryable: true };
    case 'UND_ERR_HEADERS_TIMEOUT':
      return { reason: `no response within ${Math.round(headersTimeoutMs / 1000)}s`, code, kind: 'silent', retryable: false };
    case 'UND_ERR_BODY_TIMEOUT':
      return { reason: 'nothing more for too long', code, kind: 'silent', retryable: false };
    default:
      if (isTlsCode(code) || /SSL routines/.test(message)) {
        const tls = describeTlsFailure(code ?? '', message);
        return { ...tls, code, retryable: false };
      }
      return { reason: message.split('\n')[0] || 'unknown error', code, kind: 'other', retryable: !!code && code.startsWith('E') };
  }
}
