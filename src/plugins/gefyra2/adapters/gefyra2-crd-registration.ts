import { DomainError, isDomainError } from '../../../domain/errors.js';
import { refOf, type Manifest, type ObjectApi } from '../../../ports/cluster-api.port.js';
import type { Logger } from '../../../ports/logger.port.js';
import { gefyra2Crds } from '../install/gefyra2-crds.js';
import { REGISTERED_BY_OPERATOR_ANNOTATION } from '../../../adapters/kubernetes/cluster-stores/cluster-operator-installation.js';

/**
 * Registers the three Gefyra 2 CRDs at start. The 2.5 client creates none
 * and its ClusterRole lets the operator create and patch CRDs but not get
 * them, so this does not read first: create, and on AlreadyExists (another
 * replica, an earlier run, Gefyra's own operator) patch the spec to this
 * operator's definition. Labels and annotations of a CRD someone else made
 * stay theirs. deploy/gefyra2 applies the CRDs and grants only `get` on them:
 * a refused create is fine when the CRD is there.
 */
export async function registerGefyra2Crds(objects: ObjectApi, logger: Logger, signal: AbortSignal): Promise<void> {
  for (const crd of gefyra2Crds()) {
    const ours: Manifest = {
      ...crd,
      metadata: { ...crd.metadata, annotations: { [REGISTERED_BY_OPERATOR_ANNOTATION]: 'gefyra-operator' } },
    };
    try {
      await objects.create(ours, signal);
      logger.info({ crd: crd.metadata.name, outcome: 'created' }, 'registered the CRD');
    } catch (error) {
      if (isDomainError(error, 'AlreadyExists')) {
        await objects.patch(refOf(crd), { spec: crd['spec'] }, signal);
        logger.info({ crd: crd.metadata.name, outcome: 'updated' }, 'registered the CRD');
      } else if (!isDomainError(error, 'Forbidden')) throw error;
      else if ((await objects.find(refOf(crd), signal).catch(() => undefined)) === undefined) {
        throw new DomainError(
          'Forbidden',
          `the CRD ${crd.metadata.name} is not installed and the operator may not create it: ` +
            'install it with `kubectl apply -k deploy/gefyra2` (or `gefyra-operator manifests --contract 2 | kubectl apply -f -`)',
          { cause: error, details: { reason: 'CrdMissing' } },
        );
      }
    }
  }
}
