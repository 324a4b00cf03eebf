// Object builders for test workloads on KWOK nodes: nodes KWOK manages, and pods whose image is
// never pulled (KWOK only pretends to run them; `registry.invalid` makes that obvious). Kept apart from cluster.ts so tests can also
// build an object, change it, and create it themselves.

import type {
  V1DaemonSet,
  V1Deployment,
  V1Node,
  V1Pod,
  V1PodDisruptionBudget,
  V1PodSpec,
  V1Taint,
  V1Toleration,
} from '@kubernetes/client-node';
import { KWOK_NODE_ANNOTATION } from './control-plane.ts';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** Every node a createNodes call makes carries this label with one value per call. */
export const NODE_GROUP_LABEL = 'kreboot.dev/test-node-group';

export interface NodeOptions {
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  /** Zones assigned round-robin (topology.kubernetes.io/zone). */
  readonly zones?: readonly string[];
  /** Name prefix; a random suffix keeps names unique across tests. */
  readonly prefix?: string;
  readonly unschedulable?: boolean;
  readonly taints?: readonly V1Taint[];
  /** false: KWOK does not manage the node, so it never becomes Ready (a "dead" node). */
  readonly managed?: boolean;
}

export function nodeObject(name: string, group: string, index: number, options: NodeOptions): V1Node {
  const zone = options.zones?.length ? options.zones[index % options.zones.length] : undefined;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
        [NODE_GROUP_LABEL]: group,
        ...(zone ? { [ZONE_LABEL]: zone } : {}),
        ...options.labels,
      },
      annotations: {
        ...(options.managed === false ? {} : { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value }),
        ...options.annotations,
      },
    },
    spec: { unschedulable: options.unschedulable ?? false, taints: options.taints ? [...options.taints] : undefined },
  };
}

export interface PodOptions {
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly nodeSelector?: Record<string, string>;
  readonly nodeName?: string;
  readonly tolerations?: readonly V1Toleration[];
  readonly terminationGracePeriodSeconds?: number;
  readonly priorityClassName?: string;
  /** Merged last into the pod spec, for anything else. */
  readonly spec?: Partial<V1PodSpec>;
}

export function podSpec(options: PodOptions): V1PodSpec {
  return {
    containers: [{ name: 'main', image: 'registry.invalid/kreboot-test/pause:1', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
    tolerations: options.tolerations ? [...options.tolerations] : undefined,
    nodeSelector: options.nodeSelector,
    nodeName: options.nodeName,
    terminationGracePeriodSeconds: options.terminationGracePeriodSeconds ?? 30,
    priorityClassName: options.priorityClassName,
    automountServiceAccountToken: false,
    ...options.spec,
  };
}

export function podObject(namespace: string, name: string, options: PodOptions): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: name, ...options.labels }, annotations: options.annotations },
    spec: podSpec(options),
  };
}

export interface DeploymentOptions extends PodOptions {
  readonly replicas?: number;
  /** Pod labels and the selector; default { app: name }. */
  readonly labels?: Record<string, string>;
  /** Deployment maxUnavailable during updates (not evictions). */
  readonly maxUnavailable?: number | string;
}

export function deploymentObject(namespace: string, name: string, options: DeploymentOptions): V1Deployment {
  const labels = options.labels ?? { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: labels },
      strategy:
        options.maxUnavailable === undefined
          ? undefined
          : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: options.maxUnavailable } },
      template: { metadata: { labels, annotations: options.annotations }, spec: podSpec(options) },
    },
  };
}

export function daemonSetObject(namespace: string, name: string, options: PodOptions): V1DaemonSet {
  const labels = options.labels ?? { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace, labels },
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { labels, annotations: options.annotations }, spec: podSpec(options) },
    },
  };
}

export interface PdbOptions {
  readonly selector: Record<string, string>;
  readonly maxUnavailable?: number | string;
  readonly minAvailable?: number | string;
  readonly unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow';
}

export function pdbObject(namespace: string, name: string, options: PdbOptions): V1PodDisruptionBudget {
  if ((options.maxUnavailable === undefined) === (options.minAvailable === undefined))
    throw new Error('createPdb: give exactly one of maxUnavailable and minAvailable');
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace },
    spec: {
      selector: { matchLabels: options.selector },
      maxUnavailable: options.maxUnavailable,
      minAvailable: options.minAvailable,
      unhealthyPodEvictionPolicy: options.unhealthyPodEvictionPolicy,
    },
  };
}
