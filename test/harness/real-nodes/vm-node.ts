// One real Kubernetes node in a QEMU virtual machine: the cached node disk (scripts/build-vm-node.sh)
// under a per-VM qcow2 overlay, a per-VM seed disk with its name, pod range, credentials and
// images, a serial console log, and the guest agent to run commands inside. QEMU is started
// directly (no -daemonize) so the PID we hold is QEMU's and stop() kills exactly it. Several VMs
// run side by side: each has its own folder, sockets and (loopback-only) forwarded port.

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { REPO_ROOT } from '../binaries.ts';
import { GuestAgent, type ExecResult } from './guest-agent.ts';
import { writeKubeconfig } from '../kubeconfig.ts';
import type { CertPair } from '../pki.ts';
import { freePort } from '../ports.ts';
import { startProcess, type ManagedProcess } from '../process.ts';
import { sleep, waitFor } from '../wait-for.ts';

/** QEMU's user-mode network: the host's loopback as seen from every guest, and every guest's own address. */
export const HOST_ADDRESS = '10.0.2.2';
export const GUEST_ADDRESS = '10.0.2.15';

export interface VmNodeOptions {
  readonly name: string;
  /** 0, 1, …: gives the node its pod range (10.244.<index>.0/24) and kubelet port (10250 + index). */
  readonly index: number;
  /** The VM's own run folder (created). */
  readonly dir: string;
  readonly apiServerPort: number;
  readonly credentials: { readonly caCert: string; readonly kubelet: CertPair; readonly kubeProxy: CertPair };
  /** OCI image archives imported into the node's containerd (k8s.io namespace) at its first boot. */
  readonly images?: readonly string[];
  readonly memoryMiB?: number;
  readonly onProgress?: (line: string) => void;
}

export interface VmNode {
  readonly name: string;
  /** QEMU's PID. */
  readonly pid: number;
  readonly consoleLog: string;
  /** The kubelet's port inside the guest and the loopback port forwarded to it. */
  readonly kubeletPort: number;
  readonly kubeletHostPort: number;
  /** Boot IDs in the order the boots finished starting the node's services. */
  readonly boots: readonly string[];
  exec(argv: readonly string[], options?: { timeoutMs?: number; detach?: boolean }): Promise<ExecResult>;
  running(): boolean;
  stop(): Promise<void>;
}

/** The built node (vmlinuz, initrd.img, disk.img): $KREBOOT_VM_NODE_DIR, or what scripts/build-vm-node.sh builds or finds cached. */
export function vmNodeImageDir(): string {
  const dir =
    process.env.KREBOOT_VM_NODE_DIR ||
    execFileSync('bash', [join(REPO_ROOT, 'scripts/build-vm-node.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  for (const file of ['vmlinuz', 'initrd.img', 'disk.img']) {
    if (!existsSync(join(dir, file))) throw new Error(`VM node file ${file} missing in ${dir}; run scripts/build-vm-node.sh`);
  }
  return dir;
}

/**
 * KVM when it can run a stock kernel, else TCG (QEMU's JIT, one host core per VM). A /dev/kvm
 * without VT-x/AMD-V flags, or the kvm_pvm module (software nested virtualization), boots a stock
 * Debian kernel about 1000x slower than TCG does, so it does not count. KREBOOT_VM_ACCEL=kvm|tcg overrides.
 */
export function qemuAccelerator(): 'kvm' | 'tcg' {
  const forced = process.env.KREBOOT_VM_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return forced;
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return 'tcg';
  }
  const hardware = /^flags\s*:.*\b(vmx|svm)\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  return hardware && !existsSync('/sys/module/kvm_pvm') ? 'kvm' : 'tcg';
}

const ACCEL_ARGS = {
  kvm: ['-accel', 'kvm', '-cpu', 'host'],
  tcg: ['-accel', 'tcg,thread=multi,tb-size=256', '-cpu', 'max'],
} as const;

/** Copies (or hard-links) a file named by its content, so the guest imports each content once. */
function addImage(imagesDir: string, archive: string): void {
  const digest = createHash('sha256').update(readFileSync(archive)).digest('hex').slice(0, 12);
  const target = join(imagesDir, `${digest}-${basename(archive)}`);
  try {
    linkSync(archive, target);
  } catch {
    copyFileSync(archive, target);
  }
}

/** The seed disk (/dev/vdb): what this VM is, read by kreboot-seed in the guest at every boot. */
function writeSeedDisk(options: VmNodeOptions, kubeletPort: number): string {
  const seed = join(options.dir, 'seed');
  mkdirSync(join(seed, 'images'), { recursive: true });
  const server = `https://${HOST_ADDRESS}:${options.apiServerPort}`;
  const { caCert, kubelet, kubeProxy } = options.credentials;
  writeFileSync(join(seed, 'node-name'), `${options.name}\n`);
  writeFileSync(join(seed, 'pod-cidr'), `10.244.${options.index}.0/24\n`);
  writeFileSync(join(seed, 'kubelet-port'), `${kubeletPort}\n`);
  copyFileSync(caCert, join(seed, 'ca.crt'));
  writeKubeconfig(join(seed, 'kubelet.kubeconfig'), server, caCert, `system:node:${options.name}`, { certPair: kubelet });
  writeKubeconfig(join(seed, 'kube-proxy.kubeconfig'), server, caCert, 'system:kube-proxy', { certPair: kubeProxy });
  let bytes = 0;
  for (const archive of options.images ?? []) {
    addImage(join(seed, 'images'), archive);
    bytes += statSync(archive).size;
  }
  const image = join(options.dir, 'seed.img');
  writeFileSync(image, '');
  // ext4's metadata and journal need room beyond the files themselves.
  truncateSync(image, Math.ceil(bytes * 1.1) + 64 * 1024 * 1024);
  execFileSync('mkfs.ext4', ['-q', '-F', '-L', 'kreboot-seed', '-d', seed, image], { stdio: ['ignore', 'ignore', 'pipe'] });
  return image;
}

/** Reports boot progress from the serial console's marker lines (written by the node's units). */
function watchConsole(path: string, name: string, report: (line: string) => void, onBoot: (bootId: string) => void): () => void {
  let offset = 0;
  let partial = '';
  let since = Date.now();
  const seconds = () => `${Math.round((Date.now() - since) / 1000)} s`;
  const timer = setInterval(() => {
    if (!existsSync(path)) return;
    const fd = openSync(path, 'r');
    const buffer = Buffer.alloc(64 * 1024);
    let read: number;
    try {
      while ((read = readSync(fd, buffer, 0, buffer.length, offset)) > 0) {
        offset += read;
        partial += buffer.subarray(0, read).toString('latin1');
      }
    } finally {
      closeSync(fd);
    }
    const lines = partial.split(/\r?\n/);
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.includes('kreboot-node: seed applied')) report(`node ${name}: kernel up, node configured ${seconds()}`);
      else if (line.includes('kreboot-node: imported ')) report(`node ${name}: ${line.slice(line.indexOf('imported'))} ${seconds()}`);
      else if (line.includes('reboot: Restarting system')) {
        report(`node ${name}: restarting`);
        since = Date.now();
      } else {
        const up = /kreboot-node: up boot_id=(\S+)/.exec(line);
        if (up?.[1]) {
          report(`node ${name}: services started ${seconds()} (boot ${up[1].slice(0, 8)})`);
          onBoot(up[1]);
        } else if (/Kernel panic|end Kernel panic/.test(line)) report(`node ${name}: ${line.trim()}`);
      }
    }
  }, 500);
  timer.unref();
  return () => clearInterval(timer);
}

export async function startVmNode(options: VmNodeOptions): Promise<VmNode> {
  const image = vmNodeImageDir();
  const { dir, name } = options;
  mkdirSync(dir, { recursive: true });
  const report = options.onProgress ?? (() => {});
  const kubeletPort = 10250 + options.index;
  const seed = writeSeedDisk(options, kubeletPort);
  const overlay = join(dir, 'disk.qcow2');
  // Copy-on-write over the shared base disk: each VM writes only its own overlay.
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', join(image, 'disk.img'), overlay], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const consoleLog = join(dir, 'console.log');
  const agentSocket = join(dir, 'qga.sock');
  const kubeletHostPort = await freePort();
  const accel = qemuAccelerator();
  const args = [
    '-n',
    '19',
    'qemu-system-x86_64',
    '-name',
    name,
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    ...ACCEL_ARGS[accel],
    '-m',
    String(options.memoryMiB ?? 1536),
    '-smp',
    '1',
    '-kernel',
    join(image, 'vmlinuz'),
    '-initrd',
    join(image, 'initrd.img'),
    // mitigations=off: a disposable test guest; under TCG the mitigations only cost time.
    '-append',
    'root=/dev/vda rw console=ttyS0,115200 quiet net.ifnames=0 mitigations=off',
    '-drive',
    `file=${overlay},if=virtio,format=qcow2,cache=unsafe,discard=unmap`,
    '-drive',
    `file=${seed},if=virtio,format=raw,readonly=on`,
    // Loopback only: the API server's CONNECT proxy (kubelet-proxy.ts) reaches this kubelet here.
    '-netdev',
    `user,id=net0,hostfwd=tcp:127.0.0.1:${kubeletHostPort}-:${kubeletPort}`,
    '-device',
    'virtio-net-pci,netdev=net0',
    '-chardev',
    `file,id=console,path=${consoleLog}`,
    '-serial',
    'chardev:console',
    '-chardev',
    `socket,id=agent,path=${agentSocket},server=on,wait=off`,
    '-device',
    'virtio-serial',
    '-device',
    'virtserialport,chardev=agent,name=org.qemu.guest_agent.0',
    '-object',
    'rng-random,filename=/dev/urandom,id=rng0',
    '-device',
    'virtio-rng-pci,rng=rng0',
  ];
  // nice 19: the guests are the slow part anyway; the control plane and the tests on the host stay responsive.
  const qemu: ManagedProcess = startProcess(`qemu-${name}`, 'nice', args, { logDir: dir });
  const boots: string[] = [];
  const stopWatching = watchConsole(consoleLog, name, report, (bootId) => boots.push(bootId));
  try {
    await waitFor(
      () => {
        if (!qemu.running()) throw new Error(`QEMU exited: ${qemu.tail(10)}`);
        return existsSync(agentSocket);
      },
      { timeoutMs: 30_000, what: `QEMU for ${name} to start` },
    );
    await sleep(500);
    if (!qemu.running()) throw new Error(`QEMU exited: ${qemu.tail(10)}`);
  } catch (error) {
    stopWatching();
    await qemu.stop();
    throw error;
  }
  report(`node ${name}: QEMU started (pid ${qemu.pid}, ${accel}, ${options.memoryMiB ?? 1536} MiB)`);
  const agent = new GuestAgent(agentSocket);
  return {
    name,
    pid: qemu.pid,
    consoleLog,
    kubeletPort,
    kubeletHostPort,
    boots,
    exec: (argv, execOptions) => agent.exec(argv, execOptions),
    running: () => qemu.running(),
    async stop() {
      stopWatching();
      // QEMU exits at once on SIGTERM (the guest is not shut down: its disk is thrown away).
      await qemu.stop();
    },
  };
}
