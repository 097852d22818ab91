import { describe, expect, it } from 'vitest';
import { parseMountTarget } from '../../../../../../src/plugins/gefyra2/domain/mount/mount-target.js';

describe('parseMountTarget', () => {
  it.each([
    ['deploy/web-app', 'Deployment'],
    ['deployments/web-app', 'Deployment'],
    ['sts/db', 'StatefulSet'],
    ['StatefulSet/db', 'StatefulSet'],
    ['po/solo', 'Pod'],
    ['pods/solo', 'Pod'],
  ])('reads the raw token the client writes: %s', (target, kind) => {
    expect(parseMountTarget(target)).toMatchObject({ ok: true, target: { kind } });
  });

  it.each([[undefined], ['web-app'], ['job/x'], ['deploy/'], ['deploy/a/b']])('refuses %j', (target) => {
    expect(parseMountTarget(target).ok).toBe(false);
  });
});
