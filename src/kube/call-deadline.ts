// A total deadline for @kubernetes/client-node calls. The library sends each request with undici's
// fetch and no timeout of its own (undici's are idle timeouts of minutes), so a hung or trickling
// API server held the decision cycle while the replica kept renewing its Lease (issue 26). The
// client's per-call middleware hands fetch an AbortSignal.timeout, made when the request is sent;
// aborting it ends the whole exchange, the body read included.

import { Observable, type ConfigurationOptions, type RequestContext, type ResponseContext } from '@kubernetes/client-node';

/** Default deadline of one API call: above the API server's own limits for a write that runs admission webhooks (at most 30 s each). */
export const KUBE_CALL_DEADLINE_MS = 30_000;

/** `options` (a MERGE_PATCH header, say) with a middleware that bounds the call to `deadlineMs`. */
export function withDeadline(deadlineMs: number, options?: ConfigurationOptions): ConfigurationOptions {
  return {
    ...options,
    middleware: [
      ...(options?.middleware ?? []),
      {
        pre: (context: RequestContext) => {
          context.setSignal(AbortSignal.timeout(deadlineMs));
          return new Observable(Promise.resolve(context));
        },
        post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

/** True for the error a call ended by its deadline rejects with. */
export function isDeadlineError(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}
