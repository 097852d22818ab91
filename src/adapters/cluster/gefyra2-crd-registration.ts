import { isDomainError } from '../../domain/errors.js';
import { refOf, type Manifest, type ObjectApi } from '../../ports/cluster-api.port.js';
import type { Logger } from '../../ports/logger.port.js';
import { gefyra2Crds } from '../../crd/gefyra2-crds.js';
import { REGISTERED_BY_OPERATOR_ANNOTATION } from './cluster-operator-installation.js';

/**
 * Registers the three Gefyra 2 CRDs at start. The 2.5 client creates none
 * and its ClusterRole lets the operator create and patch CRDs but not get
 * them, so this never reads: create, and on AlreadyExists (another replica,
 * an earlier run, Gefyra's own operator) patch the spec to this operator's
 * definition. Labels and annotations of a CRD someone else made stay theirs.
 */
export async function registerGefyra2Crds(objects: ObjectApi, logger: Logger, signal: AbortSignal): Promise<void> {
  for (const crd of gefyra2Crds()) {
    const ours: Manifest = { ...crd, metadata: { ...crd.metadata, annotations: { [REGISTERED_BY_OPERATOR_ANNOTATION]: 'gefyra-operator' } } };
    try {
      await objects.create(ours, signal);
      logger.info({ crd: crd.metadata.name }, 'registered the CRD');
    } catch (error) {
      if (!isDomainError(error, 'AlreadyExists')) throw error;
      await objects.patch(refOf(crd), { spec: crd['spec'] }, signal);
    }
  }
}
