/**
 * Logger: structured logs, a fixed message with fields. pino's logger fits
 * this shape. Never pass secret values in fields.
 */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  child(bindings: Readonly<Record<string, unknown>>): Logger;
}
