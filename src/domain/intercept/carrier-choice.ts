import type { CarrierInstaller, CarrierRequestKind } from '../../ports/carrier-installer.port.js';

/**
 * The carrier that is to serve a request: the one it names, when it names
 * one; otherwise the first loaded carrier that serves its kind (the order of
 * GEFYRA_PLUGINS). Undefined when none fits.
 */
export function chooseCarrier(
  carriers: readonly CarrierInstaller[],
  kind: CarrierRequestKind,
  requested: string | undefined,
): CarrierInstaller | undefined {
  const serving = carriers.filter((carrier) => carrier.serves.includes(kind));
  return requested === undefined ? serving[0] : serving.find((carrier) => carrier.name === requested);
}

/** Why no carrier serves the request, for its status. */
export function noCarrierMessage(
  carriers: readonly CarrierInstaller[],
  kind: CarrierRequestKind,
  requested: string | undefined,
): string {
  const serving = carriers.filter((carrier) => carrier.serves.includes(kind)).map((carrier) => carrier.name);
  const loaded = serving.length > 0 ? serving.join(', ') : 'none';
  return requested === undefined
    ? `no loaded carrier serves ${kind}s (add one to GEFYRA_PLUGINS)`
    : `the request asks for carrier "${requested}", which is not loaded for ${kind}s (loaded: ${loaded})`;
}
