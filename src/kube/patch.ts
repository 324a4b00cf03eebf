// JSON merge patches through @kubernetes/client-node: the request options that make a patch call
// send application/merge-patch+json (the body of an annotation change: annotations.ts).

import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

export const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
