import { InMemoryCluster, InMemoryWatchSource } from '../../../../src/adapters/in-memory/index.js';
import { describeWatchSourceContract } from '../../../contracts/watch-source.contract.js';

// On the real API server: test/integration/kubernetes/watch-source-contract.test.ts.
describeWatchSourceContract('InMemoryWatchSource', async () => {
  const api = new InMemoryCluster({ namespaces: ['watched', 'elsewhere'] });
  return {
    source: new InMemoryWatchSource(api),
    api,
    namespace: 'watched',
    otherNamespace: 'elsewhere',
    teardown: async () => {},
  };
});
