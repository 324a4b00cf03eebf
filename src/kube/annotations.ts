// The JSON merge-patch body that changes annotations, optimistic when given a resourceVersion
// (ADR 0002): the API server answers 409 if the object changed since it was read.

/** A value of null removes the annotation (merge-patch semantics). */
export type AnnotationChanges = Readonly<Record<string, string | null>>;

export function annotationsPatch(annotations: AnnotationChanges, resourceVersion?: string): object {
  return { metadata: { ...(resourceVersion === undefined ? {} : { resourceVersion }), annotations } };
}
