import { describe, expect, it } from 'vitest';
import { buildPodPatchBody } from '../../../../../src/adapters/kubernetes/shapes/pod-patch.js';

describe('buildPodPatchBody', () => {
  it('puts annotations, container images and the expected resourceVersion in one strategic merge patch', () => {
    expect(
      buildPodPatchBody({
        annotations: { add: 'v', drop: null },
        images: { web: 'carrier:2' },
        expectedResourceVersion: '7',
      }),
    ).toEqual({
      metadata: { annotations: { add: 'v', drop: null }, resourceVersion: '7' },
      spec: { containers: [{ name: 'web', image: 'carrier:2' }] },
    });
  });

  it('leaves out what the patch does not change', () => {
    expect(buildPodPatchBody({ annotations: { a: 'b' } })).toEqual({ metadata: { annotations: { a: 'b' } } });
    expect(buildPodPatchBody({ images: { web: 'x' } })).toEqual({
      spec: { containers: [{ name: 'web', image: 'x' }] },
    });
    expect(buildPodPatchBody({ annotations: {}, images: {} })).toEqual({});
  });
});
