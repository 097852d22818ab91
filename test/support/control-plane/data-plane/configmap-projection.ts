import { mkdir, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes a ConfigMap's data into a container's mount directory the way the
 * kubelet's atomic writer does: the files live in a hidden timestamped
 * directory, `..data` points at the current one and is swapped with a rename,
 * and each key is a link through `..data`. A reader therefore sees either the
 * old set or the new one, never a mix; `ls` shows only the keys.
 */
export async function projectConfigMap(mountDir: string, data: Readonly<Record<string, string>>): Promise<void> {
  await mkdir(mountDir, { recursive: true });
  const dataLink = join(mountDir, '..data');
  const previous = await readlink(dataLink).catch(() => undefined);
  const version = `..${new Date().toISOString().replace(/[-:.]/g, '_')}_${Math.random().toString(36).slice(2, 8)}`;
  await mkdir(join(mountDir, version));
  for (const [key, value] of Object.entries(data)) await writeFile(join(mountDir, version, key), value);
  await symlink(version, join(mountDir, '..data_tmp'));
  await rename(join(mountDir, '..data_tmp'), dataLink);
  const keys = new Set(Object.keys(data));
  for (const entry of await readdir(mountDir)) {
    if (entry.startsWith('..')) continue;
    if (!keys.has(entry)) await rm(join(mountDir, entry), { force: true });
  }
  for (const key of keys) await symlink(join('..data', key), join(mountDir, key)).catch(() => undefined);
  if (previous !== undefined && previous !== version)
    await rm(join(mountDir, previous), { recursive: true, force: true });
}
