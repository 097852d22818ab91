import { isRecord } from '../../../../domain/json-reading.js';

const asksForTls = (value: unknown): boolean => isRecord(value) && value['tls'] !== undefined && value['tls'] !== null;

/**
 * Why a mount whose `providerParameter` asks for TLS termination is refused,
 * or undefined when it asks for none (`{}` or absent). The 2.5 client writes
 * `{tls}` for every port or `{"<port>": {tls}}` for one (`--tls-certificate`,
 * `--tls-key`, `--tls-sni`). carrier2 would be configured without it and break
 * the workload's TLS traffic silently, so the mount is refused out loud.
 */
export function tlsRefusal(providerParameter: unknown): string | undefined {
  if (!isRecord(providerParameter)) return undefined;
  const ports = Object.entries(providerParameter)
    .filter(([, value]) => asksForTls(value))
    .map(([port]) => port);
  if (!asksForTls(providerParameter) && ports.length === 0) return undefined;
  const where = asksForTls(providerParameter) ? 'every port' : `port ${ports.join(', ')}`;
  return (
    `TLS termination (providerParameter tls for ${where}) is not served by this operator yet: ` +
    'create the mount without --tls-certificate, --tls-key and --tls-sni'
  );
}
