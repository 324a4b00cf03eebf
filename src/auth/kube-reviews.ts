// The API server's answers about a caller, for operator actions (docs/adr/0017): a TokenReview says
// who a bearer token belongs to (any credential the API server accepts: ServiceAccount tokens, OIDC,
// webhook and static tokens), a SubjectAccessReview says whether cluster RBAC lets that user do an
// action. Both are asked fresh for every action: operator actions are rare, and a revoked binding
// or token must take effect at once.

import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';

export interface KubeUser {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra: Readonly<Record<string, string[]>>;
}

/** What an operator action is, for RBAC: a virtual resource of the kreboot.dev group (no CRD needed). */
export interface ActionAttributes {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

export interface KubeReviews {
  /** The token's user, or `{ error }` with the API server's reason when it does not accept the token. */
  authenticate(token: string): Promise<KubeUser | { error: string }>;
  /** Whether RBAC (or any authorizer the API server runs) allows the user the action, and why not. */
  authorize(user: KubeUser, action: ActionAttributes): Promise<{ allowed: boolean; reason: string }>;
}

export function createKubeReviews(kc: KubeConfig): KubeReviews {
  const authn = kc.makeApiClient(AuthenticationV1Api);
  const authz = kc.makeApiClient(AuthorizationV1Api);
  return {
    async authenticate(token) {
      const review = await authn.createTokenReview({ body: { spec: { token } } });
      const status = review.status;
      if (!status?.authenticated || !status.user?.username) return { error: status?.error || 'the API server does not accept this token' };
      return {
        username: status.user.username,
        ...(status.user.uid ? { uid: status.user.uid } : {}),
        groups: status.user.groups ?? [],
        extra: status.user.extra ?? {},
      };
    },
    async authorize(user, action) {
      const review = await authz.createSubjectAccessReview({
        body: {
          spec: {
            user: user.username,
            ...(user.uid ? { uid: user.uid } : {}),
            groups: [...user.groups],
            extra: { ...user.extra },
            resourceAttributes: { ...action },
          },
        },
      });
      return { allowed: review.status?.allowed === true, reason: review.status?.reason ?? '' };
    },
  };
}
