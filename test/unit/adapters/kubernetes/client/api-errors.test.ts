import { describe, expect, it } from 'vitest';
import { statusError } from '../../../../../src/adapters/kubernetes/client/api-errors.js';

// Issue 13, item 11: an HTTP 431 was reported as an Internal error with no reason.
describe('statusError', () => {
  it('says what a 431 means and does not retry it', () => {
    const error = statusError(
      431,
      '',
      { verb: 'get', resource: 'pods', namespace: 'shop', name: 'x'.repeat(300) },
      'https://127.0.0.1:6443',
    );
    expect(error).toMatchObject({ kind: 'Invalid', retryable: false });
    expect(error.message).toMatch(
      /URL or headers are too large \(431 Request Header Fields Too Large\): a name or selector in it is too long/,
    );
  });
});
