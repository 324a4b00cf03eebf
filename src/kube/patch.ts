// JSON merge patches on Nodes through @kubernetes/client-node, optimistic when given a
// resourceVersion (ADR 0002): on 409 the caller reads again and re-decides.

import { PatchStrategy, setHeaderOptions, type CoreV1Api, type V1Node } from '@kubernetes/client-node';
import { annotationsPatch, type AnnotationChanges } from './annotations.ts';

export { annotationsPatch, type AnnotationChanges } from './annotations.ts';
export { apiErrorMessage, httpStatus, isConflict, isNotFound } from './api-errors.ts';

/** Request options that make a patch call send application/merge-patch+json. */
export const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function patchNode(core: CoreV1Api, name: string, body: object): Promise<V1Node> {
  return core.patchNode({ name, body }, MERGE_PATCH);
}

export function patchNodeAnnotations(core: CoreV1Api, name: string, annotations: AnnotationChanges, resourceVersion?: string): Promise<V1Node> {
  return patchNode(core, name, annotationsPatch(annotations, resourceVersion));
}
