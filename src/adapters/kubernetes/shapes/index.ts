export { applyMergePatch, mergePatchObject } from './merge-patch.js';
export { buildPodPatchBody, type PodPatchBody } from './pod-patch.js';
export { toDomainPod } from './pod-mapping.js';
