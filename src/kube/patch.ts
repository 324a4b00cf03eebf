// JSON merge patches on Nodes, optimistic when given a resourceVersion (ADR 0002): the API server
// answers 409 if the object changed since it was read, and the caller reads again and re-decides.

import { PatchStrategy, setHeaderOptions, type CoreV1Api, type V1Node } from '@kubernetes/client-node';

/** Request options that make a patch call send application/merge-patch+json. */
export const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** A value of null removes the annotation (merge-patch semantics). */
export type AnnotationChanges = Readonly<Record<string, string | null>>;

/** The merge-patch body; with a resourceVersion the write only succeeds on that exact version. */
export function annotationsPatch(annotations: AnnotationChanges, resourceVersion?: string): object {
  return { metadata: { ...(resourceVersion === undefined ? {} : { resourceVersion }), annotations } };
}

export function patchNode(core: CoreV1Api, name: string, body: object): Promise<V1Node> {
  return core.patchNode({ name, body }, MERGE_PATCH);
}

export function patchNodeAnnotations(core: CoreV1Api, name: string, annotations: AnnotationChanges, resourceVersion?: string): Promise<V1Node> {
  return patchNode(core, name, annotationsPatch(annotations, resourceVersion));
}

/** The HTTP status of a failed API call (ApiException.code, or a watch error's statusCode). */
export function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') return code;
  if (typeof statusCode === 'number') return statusCode;
  return undefined;
}

export const isConflict = (error: unknown): boolean => httpStatus(error) === 409;
export const isNotFound = (error: unknown): boolean => httpStatus(error) === 404;

/** A short, log-friendly description of an API error (ApiException bodies are long). */
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
