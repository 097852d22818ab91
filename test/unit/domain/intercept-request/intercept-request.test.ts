import { describe, expect, it } from 'vitest';
import {
  parseInterceptRequest,
  parseInterceptSpec,
} from '../../../../src/domain/intercept-request/intercept-request.js';
import { CLIENT_DEFAULTS, clientRequest } from '../../../support/intercept-request-fixtures.js';

const stored = (object: Record<string, unknown>) => ({
  ...object,
  metadata: { ...(object['metadata'] as object), uid: 'uid-1', generation: 2, resourceVersion: '42' },
});

describe('parseInterceptRequest', () => {
  it('reads a request exactly as the Gefyra 0.13 client creates it', () => {
    const request = parseInterceptRequest(stored(clientRequest({ portMappings: ['8080:8000', '9090:9000'] })));
    expect(request.uid).toBe('uid-1');
    expect(request.generation).toBe(2);
    expect(request.deleting).toBe(false);
    expect(request.established).toBe(false);
    expect(request.spec).toEqual({
      valid: true,
      spec: {
        destinationIP: CLIENT_DEFAULTS.destinationIP,
        targetPod: CLIENT_DEFAULTS.targetPod,
        targetNamespace: 'shop',
        targetContainer: 'web',
        portMappings: [
          { containerPort: 8080, destinationPort: 8000 },
          { containerPort: 9090, destinationPort: 9000 },
        ],
        syncDownDirectories: [],
        handleProbes: true,
      },
    });
  });

  it('defaults optional fields the way the client means them', () => {
    const result = parseInterceptSpec({ ...CLIENT_DEFAULTS, syncDownDirectories: undefined, handleProbes: undefined });
    expect(result.valid && result.spec.syncDownDirectories).toEqual([]);
    expect(result.valid && result.spec.handleProbes).toBe(true);
  });

  it('sees a deletion and keeps the finalizers and status it finds', () => {
    const object = stored(clientRequest());
    const request = parseInterceptRequest({
      ...object,
      metadata: { ...(object['metadata'] as object), deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['x'] },
      status: { phase: 'Established', reason: 'Established' },
    });
    expect(request.deleting).toBe(true);
    expect(request.finalizers).toEqual(['x']);
    expect(request.status.phase).toBe('Established');
  });

  it('treats an unreadable status as absent rather than failing', () => {
    const request = parseInterceptRequest({ ...stored(clientRequest()), status: { phase: 'Dancing' } });
    expect(request.status).toEqual({});
  });

  it('accepts IPv6 destinations', () => {
    expect(parseInterceptSpec({ ...CLIENT_DEFAULTS, destinationIP: 'fd00::2' }).valid).toBe(true);
  });
});

describe('every invalid request yields one clear reason', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['missing destinationIP', { destinationIP: undefined }, /destinationIP is required/],
    ['bad destinationIP', { destinationIP: '300.1.1.1' }, /destinationIP "300.1.1.1" is not an IPv4 or IPv6 address/],
    ['missing targetPod', { targetPod: undefined }, /targetPod is required/],
    ['bad targetPod', { targetPod: 'Web_Pod' }, /targetPod must be a valid pod name/],
    ['missing targetNamespace', { targetNamespace: undefined }, /targetNamespace is required/],
    ['missing targetContainer', { targetContainer: '' }, /targetContainer is required/],
    ['missing portMappings', { portMappings: undefined }, /portMappings is required/],
    ['empty portMappings', { portMappings: [] }, /portMappings must name at least one/],
    [
      'mapping not port:port',
      { portMappings: ['8080'] },
      /portMappings\[0\]: "8080" is not of the form <containerPort>:<destinationPort>/,
    ],
    ['mapping with words', { portMappings: ['http:8000'] }, /is not of the form/],
    ['port above 65535', { portMappings: ['70000:8000'] }, /port 70000 is outside 1-65535/],
    ['port zero', { portMappings: ['8080:0'] }, /port 0 is outside 1-65535/],
    [
      'duplicate container port',
      { portMappings: ['8080:8000', '8080:9000'] },
      /container port 8080 is mapped more than once/,
    ],
    // Issue 13, item 11: 200 mappings made 200 Services.
    [
      'too many port mappings',
      { portMappings: Array.from({ length: 17 }, (_, index) => `${8000 + index}:${9000 + index}`) },
      /portMappings may name at most 16 ports/,
    ],
    ['relative sync directory', { syncDownDirectories: ['tmp'] }, /absolute paths/],
    ['handleProbes not boolean', { handleProbes: 'yes' }, /handleProbes must be true or false/],
  ];

  it.each(cases)('%s', (_name, fields, reason) => {
    const result = parseInterceptSpec({ ...CLIENT_DEFAULTS, ...fields });
    expect(result.valid).toBe(false);
    if (!result.valid) {
      expect(result.reason).toMatch(/^invalid InterceptRequest: /);
      expect(result.reason).toMatch(reason);
    }
  });

  it('names every problem when there are several', () => {
    const result = parseInterceptSpec({ ...CLIENT_DEFAULTS, destinationIP: 'nope', portMappings: ['1:2', 'x'] });
    expect(!result.valid && result.reason).toMatch(/destinationIP "nope".*; portMappings\[1\]/);
  });
});
