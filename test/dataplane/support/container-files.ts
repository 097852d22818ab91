import type { DataPlane } from '../../support/control-plane/data-plane/data-plane.js';

/** How often a pattern occurs in a text (a config's upstreams, listeners). */
export function occurrences(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
}

/** A file in a running container, as the container sees it (Carrier's or Stowaway's nginx configuration). */
export async function fileIn(
  plane: DataPlane,
  ref: { namespace: string; pod: string; container: string },
  path: string,
): Promise<string> {
  const instance = plane.host.instanceOf(ref.namespace, ref.pod, ref.container);
  if (instance === undefined) throw new Error(`${ref.namespace}/${ref.pod}/${ref.container} does not run`);
  const read = await instance.exec(['cat', path]);
  if (read.exitCode !== 0)
    throw new Error(`cat ${path} in ${ref.namespace}/${ref.pod}/${ref.container}: ${read.stderr}`);
  return read.stdout;
}
