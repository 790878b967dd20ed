import type { IncomingMessage } from 'node:http';
import type { ResponsesResponse } from '../translate/types.js';

/**
 * What one /v1/responses request did, once it is over: what the server tells its `onResponse`
 * (--verbose lines, the session recorder). Defined here, below the server, so that the recorder
 * needs nothing from src/server.
 */
export interface ResponseRecord {
  responseId: string;
  conversation: string;
  model: string;
  status: ResponsesResponse['status'] | 'error';
  httpStatus: number;
  usage: ResponsesResponse['usage'];
  /** The request's own user text, for session titles. */
  inputItems: unknown[];
  headers: IncomingMessage['headers'];
  /** The name of the client's token (`serve --tokens`), if it has one. */
  clientName?: string;
}
