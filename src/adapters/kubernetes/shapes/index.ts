export { buildPodPatchBody } from './pod-patch.js';
export { toDomainPod } from './pod-mapping.js';
