// Classifying failed Kubernetes API calls, for both clients kreboot uses (@kubernetes/client-node's
// ApiException has `code`; the agent's light client and watch errors have `statusCode`). No import
// of the client library here, so the agent can use it without loading that library.

/** The HTTP status of a failed API call. */
export function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') return code;
  if (typeof statusCode === 'number') return statusCode;
  return undefined;
}

export const isConflict = (error: unknown): boolean => httpStatus(error) === 409;
export const isNotFound = (error: unknown): boolean => httpStatus(error) === 404;

/** A short, log-friendly description of an API error (response bodies are long). */
export function apiErrorMessage(error: unknown): string {
  const status = httpStatus(error);
  const body = (error as { body?: unknown } | null)?.body;
  let detail = '';
  if (typeof body === 'string') {
    try {
      detail = String((JSON.parse(body) as { message?: unknown }).message ?? '');
    } catch {
      detail = body.slice(0, 200);
    }
  } else if (body && typeof body === 'object' && 'message' in body) {
    detail = String((body as { message: unknown }).message);
  }
  const base = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  return [status === undefined ? undefined : `HTTP ${status}`, detail || base].filter(Boolean).join(': ');
}

/** A non-2xx answer of the API server, as the light client reports it. */
export class KubeHttpError extends Error {
  readonly statusCode: number;
  readonly body: string;

  constructor(statusCode: number, body: string, what: string) {
    super(`${what}: HTTP ${statusCode}`);
    this.statusCode = statusCode;
    this.body = body;
  }
}
