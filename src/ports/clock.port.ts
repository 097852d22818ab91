/** Clock: the only source of "now" for the domain, so tests control time. */
export interface Clock {
  now(): Date;
}
