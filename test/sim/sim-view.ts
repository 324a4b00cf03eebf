// A controller's watch-fed view in the simulation: it reads the model's change logs, but only as
// far as the run has delivered to it, so it may lag (late, batched, the Node and DaemonSet streams
// at different points) yet, like an informer, it never goes back to an older resourceVersion; a
// deletion removes the object (a Node, the lock DaemonSet) until it is created again. It wakes the
// cycle with the same filter as the production view (cluster-view.ts's fingerprint).

import type { V1DaemonSet, V1Node } from '@kubernetes/client-node';
import { fingerprint, type ClusterView } from '../../src/controller/cluster/cluster-view.ts';
import type { ApiModel } from './api-model.ts';

/**
 * The fingerprint of each Node object the model made, computed once: the model's objects are
 * frozen and shared by every replica's view, so each replica delivering the same event does not
 * serialise the Node again (issue 25: 4 % of the simulation's CPU time went here).
 */
const prints = new WeakMap<V1Node, string>();
function printOf(node: V1Node): string {
  let print = prints.get(node);
  if (print === undefined) {
    print = fingerprint(node);
    prints.set(node, print);
  }
  return print;
}

export class SimView implements ClusterView {
  private readonly model: ApiModel;
  private readonly byName = new Map<string, V1Node>();
  private readonly prints = new Map<string, string>();
  private list: V1Node[] | undefined;
  private ds: V1DaemonSet | undefined;
  /** The resourceVersion of the last DaemonSet event applied (its deletion included). */
  private dsRv = 0;
  /** Per Node, the resourceVersion of the last event applied (its deletion included). */
  private readonly nodeRv = new Map<string, number>();
  private nodeCursor = 0;
  private dsCursor = 0;
  private listed = false;
  onChange: (reason: string) => void = () => {};

  constructor(model: ApiModel) {
    this.model = model;
  }

  nodes(): readonly V1Node[] {
    this.list ??= [...this.byName.values()];
    return this.list;
  }

  node(name: string): V1Node | undefined {
    return this.byName.get(name);
  }

  daemonSet(): V1DaemonSet | undefined {
    return this.ds;
  }

  synced(): boolean {
    return this.listed;
  }

  /** The informers' initial list: the model as it is now. */
  start(): Promise<void> {
    for (const [name, node] of this.model.nodes) {
      this.byName.set(name, node);
      this.nodeRv.set(name, Number(node.metadata!.resourceVersion));
      this.prints.set(name, printOf(node));
    }
    this.ds = this.model.daemonSet;
    this.dsRv = Number(this.ds?.metadata?.resourceVersion ?? 0);
    this.nodeCursor = this.model.nodeLog.length;
    this.dsCursor = this.model.dsLog.length;
    this.listed = true;
    this.list = undefined;
    this.onChange('nodes listed');
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  /** Watch events not yet delivered, per stream. */
  backlog(): { nodes: number; ds: number } {
    return { nodes: this.model.nodeLog.length - this.nodeCursor, ds: this.model.dsLog.length - this.dsCursor };
  }

  /** Delivers up to `count` Node events; returns how many changed what a decision depends on. */
  deliverNodes(count: number): number {
    const end = Math.min(this.model.nodeLog.length, this.nodeCursor + count);
    let woke = 0;
    for (; this.nodeCursor < end; this.nodeCursor++) {
      const { object, rv, deleted } = this.model.nodeLog[this.nodeCursor]!;
      const name = object.metadata!.name!;
      if ((this.nodeRv.get(name) ?? 0) >= rv) continue;
      this.nodeRv.set(name, rv);
      if (deleted) {
        this.byName.delete(name);
        this.prints.delete(name);
        this.list = undefined;
        woke++;
        this.onChange(`node ${name} deleted`);
        continue;
      }
      this.byName.set(name, object);
      this.list = undefined;
      const print = printOf(object);
      if (this.prints.get(name) === print) continue;
      this.prints.set(name, print);
      woke++;
      this.onChange(`node ${name}`);
    }
    return woke;
  }

  deliverDaemonSet(count: number): number {
    const end = Math.min(this.model.dsLog.length, this.dsCursor + count);
    let woke = 0;
    for (; this.dsCursor < end; this.dsCursor++) {
      const { object, rv, deleted } = this.model.dsLog[this.dsCursor]!;
      if (this.dsRv >= rv) continue;
      this.dsRv = rv;
      this.ds = deleted ? undefined : object;
      woke++;
      this.onChange('lock DaemonSet');
    }
    return woke;
  }
}
