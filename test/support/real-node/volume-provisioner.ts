import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CoreV1Api,
  StorageV1Api,
  type KubeConfig,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
} from '@kubernetes/client-node';

/** The default StorageClass of the real node, as kind's and k3d's `standard`/`local-path` are. */
export const STORAGE_CLASS = 'local-path';
const PROVISIONER = 'gefyra.local/host-path';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';

/**
 * A stand-in for the local-path provisioner that kind, k3d and minikube ship
 * (a claim with no class gets the default one; a StatefulSet's claim template,
 * Gefyra 2's Stowaway has one, waits for it): a default StorageClass, and
 * for each of its pending claims a hostPath volume in `volumesDir`, bound to
 * the claim; a released volume is deleted with its directory (reclaim policy
 * Delete). Checks once a second, like the DNS stand-in.
 */
export async function startVolumeProvisioner(kubeConfig: KubeConfig, volumesDir: string): Promise<{ stop(): void }> {
  await kubeConfig.makeApiClient(StorageV1Api).createStorageClass({
    body: {
      metadata: { name: STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: PROVISIONER,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
    },
  });
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const reconcile = async (): Promise<void> => {
    const volumes = (await core.listPersistentVolume()).items;
    const claimed = new Set(volumes.map((volume) => volume.spec?.claimRef?.uid));
    for (const claim of (await core.listPersistentVolumeClaimForAllNamespaces()).items) {
      if (claim.spec?.storageClassName !== STORAGE_CLASS || claim.spec.volumeName || claimed.has(claim.metadata?.uid))
        continue;
      if (claim.metadata?.deletionTimestamp !== undefined) continue;
      const volume = volumeFor(claim, volumesDir);
      await mkdir(volume.spec?.hostPath?.path as string, { recursive: true });
      await core.createPersistentVolume({ body: volume });
    }
    for (const volume of volumes) {
      if (volume.metadata?.annotations?.[PROVISIONED_BY] !== PROVISIONER) continue;
      if (volume.status?.phase !== 'Released' || volume.metadata.deletionTimestamp !== undefined) continue;
      await core.deletePersistentVolume({ name: volume.metadata.name as string });
      await rm(volume.spec?.hostPath?.path as string, { recursive: true, force: true });
    }
  };
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= reconcile()
      .catch(() => undefined)
      .finally(() => (running = undefined));
  }, 1_000);
  return { stop: () => clearInterval(timer) };
}

function volumeFor(claim: V1PersistentVolumeClaim, volumesDir: string): V1PersistentVolume {
  const { name, namespace, uid } = claim.metadata as { name: string; namespace: string; uid: string };
  return {
    metadata: { name: `pvc-${uid}`, annotations: { [PROVISIONED_BY]: PROVISIONER } },
    spec: {
      capacity: { storage: claim.spec?.resources?.requests?.['storage'] ?? '1Gi' },
      accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: STORAGE_CLASS,
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name, uid },
      hostPath: { path: join(volumesDir, `${namespace}-${name}-${uid}`), type: 'DirectoryOrCreate' },
    },
  };
}
