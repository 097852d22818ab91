/**
 * The Gefyra release whose Stowaway and Carrier interfaces this operator
 * implements (see docs/gefyra-components.md). Images default to this tag;
 * GEFYRA_STOWAWAY_TAG and GEFYRA_CARRIER_IMAGE_TAG override it.
 */
export const GEFYRA_RELEASE = '0.13.6';

/** Labels on everything the operator creates, so its footprint can be found and removed. */
export const MANAGED_BY_LABELS = {
  'app.kubernetes.io/managed-by': 'gefyra-operator',
  'app.kubernetes.io/part-of': 'gefyra',
} as const;
