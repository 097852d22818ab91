/**
 * The client subnet a developer's peer routes (their Docker network), as
 * Gefyra 2 writes it to `providerParameter.subnet`: `a.b.c.d/n`.
 */
export interface ClientSubnet {
  /** The network address: the address with the host bits cleared. */
  readonly network: string;
  readonly prefix: number;
}

/** The webhook's pattern (contract §3); octets and prefix are checked on top. */
const PATTERN = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,3}$/;

export function parseSubnet(value: string): ClientSubnet | undefined {
  if (!PATTERN.test(value)) return undefined;
  const [address = '', prefixText = ''] = value.split('/');
  const octets = address.split('.').map(Number);
  const prefix = Number(prefixText);
  if (octets.some((octet) => octet > 255) || prefix > 32) return undefined;
  const bits = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  const mask = prefix === 0 ? 0 : 2 ** 32 - 2 ** (32 - prefix);
  const networkBits = Number(BigInt(bits) & BigInt(mask));
  const network = [24, 16, 8, 0].map((shift) => Math.floor(networkBits / 2 ** shift) % 256).join('.');
  return { network, prefix };
}

/** Two subnets clash when their network addresses are equal (the rule Gefyra's webhook applies). */
export function sameNetwork(a: string, b: string): boolean {
  const left = parseSubnet(a);
  const right = parseSubnet(b);
  return left !== undefined && right !== undefined && left.network === right.network;
}
