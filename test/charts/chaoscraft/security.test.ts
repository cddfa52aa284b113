// The security contexts the chart promises: the controller and gitops run non-root on a read-only
// root filesystem, without privilege escalation or any capability, under seccomp RuntimeDefault;
// the agent gets hostPID, exactly the capabilities and host mounts docs/SAFETY.md's privileges table
// justifies, and nothing else (no privileged mode, no hostNetwork, no other hostPath). Checked for
// every value set, so a value cannot switch an invariant off.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Json, type PodSpec, podSpec, renderChart, VALUE_SETS } from './render.ts';

/** The privileges table of docs/SAFETY.md: its first column. */
function safetyPrivileges(): string[] {
  const text = readFileSync(join(import.meta.dirname, '../../../docs/SAFETY.md'), 'utf8');
  const section = text.split('### Privileges and why each is needed')[1]!.split('\n### ')[0]!;
  return section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| privilege') && !line.startsWith('| ---'))
    .map((line) => line.split('|')[1]!.trim());
}

function safetyCapabilities(): string[] {
  return safetyPrivileges().flatMap((cell) => /^`CAP_([A-Z_]+)`/.exec(cell)?.[1] ?? []);
}

function safetyHostPaths(): Array<{ path: string; readOnly: boolean }> {
  return safetyPrivileges().flatMap((cell) => {
    const path = /^`(\/[^`]*)`/.exec(cell)?.[1];
    return path ? [{ path, readOnly: !/read-write/.test(cell) }] : [];
  });
}

const seccomp = (pod: PodSpec, container: PodSpec['containers'][number]) =>
  ((container.securityContext.seccompProfile ?? pod.securityContext?.seccompProfile) as Json | undefined)
    ?.type;

test("docs/SAFETY.md's privileges table is read: four capabilities and three host paths", () => {
  assert.deepEqual(safetyCapabilities(), ['NET_ADMIN', 'SYS_ADMIN', 'KILL', 'SYS_PTRACE']);
  assert.deepEqual(safetyHostPaths(), [
    { path: '/proc', readOnly: true },
    { path: '/sys/fs/cgroup', readOnly: false },
    { path: '/run/netns', readOnly: true },
  ]);
});

for (const [name, values] of Object.entries(VALUE_SETS)) {
  test(`controller and gitops run restricted (${name})`, () => {
    const manifests = renderChart({ values });
    const pods = [podSpec(manifests, 'Deployment', 'chaoscraft-controller')!];
    const gitops = podSpec(manifests, 'Deployment', 'chaoscraft-gitops');
    if (gitops) pods.push(gitops);
    for (const pod of pods) {
      assert.ok(!pod.hostPID && !pod.hostNetwork && !pod.hostIPC);
      assert.equal(pod.securityContext?.runAsNonRoot, true);
      for (const volume of pod.volumes ?? []) assert.equal(volume.hostPath, undefined, String(volume.name));
      for (const container of pod.containers) {
        const context = container.securityContext;
        assert.equal(context.runAsNonRoot, true);
        assert.notEqual(context.runAsUser, 0);
        assert.equal(context.readOnlyRootFilesystem, true);
        assert.equal(context.allowPrivilegeEscalation, false);
        assert.equal(context.privileged, false);
        assert.deepEqual(context.capabilities, { drop: ['ALL'] });
        assert.equal(seccomp(pod, container), 'RuntimeDefault');
        assert.ok(container.resources && (container.resources as Json).limits, 'resources with limits');
      }
    }
  });

  test(`the agent gets what docs/SAFETY.md justifies and nothing more (${name})`, () => {
    const pod = podSpec(renderChart({ values }), 'DaemonSet', 'chaoscraft-agent');
    if (!pod) return;
    assert.equal(pod.hostPID, true);
    assert.ok(!pod.hostNetwork && !pod.hostIPC);
    assert.equal(pod.serviceAccountName, 'agent');
    assert.deepEqual(pod.tolerations, [{ operator: 'Exists' }]);
    const [container, ...others] = pod.containers;
    assert.deepEqual(others, []);
    const context = container!.securityContext;
    assert.equal(context.privileged, false);
    assert.equal(context.readOnlyRootFilesystem, true);
    assert.equal(seccomp(pod, container!), 'RuntimeDefault');
    const capabilities = context.capabilities as { drop: string[]; add: string[] };
    assert.deepEqual(capabilities.drop, ['ALL']);
    assert.deepEqual([...capabilities.add].sort(), safetyCapabilities().sort());
    // The API server refuses allowPrivilegeEscalation: false together with an added SYS_ADMIN.
    if (capabilities.add.includes('SYS_ADMIN')) assert.notEqual(context.allowPrivilegeEscalation, false);
    assert.deepEqual(
      container!.env?.find((e) => e.name === 'NODE_NAME'),
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    );

    const hostPaths = new Map(
      (pod.volumes ?? []).flatMap((v) => (v.hostPath ? [[v.name as string, (v.hostPath as Json).path]] : [])),
    );
    const mounted = (container!.volumeMounts ?? []).filter((m) => hostPaths.has(m.name as string));
    const allowRunNetns = (values.agent as Json | undefined)?.mountRunNetns !== false;
    for (const { path, readOnly } of safetyHostPaths()) {
      if (path === '/proc') {
        // hostPID gives the container the host's PID namespace, so its own /proc is the host's;
        // runtimes refuse a mount over /proc.
        assert.ok(!mounted.some((m) => m.mountPath === '/proc'));
        continue;
      }
      const mount = mounted.find((m) => m.mountPath === path);
      if (path === '/run/netns' && !allowRunNetns) {
        assert.equal(mount, undefined);
        continue;
      }
      assert.ok(mount, `${path} mounted`);
      assert.equal(hostPaths.get(mount.name as string), path);
      assert.equal(mount.readOnly === true, readOnly, `${path} read-only: ${readOnly}`);
    }
    const listed = new Set(safetyHostPaths().map((p) => p.path));
    for (const path of hostPaths.values()) assert.ok(listed.has(String(path)), `${path} is in SAFETY.md`);
  });
}
