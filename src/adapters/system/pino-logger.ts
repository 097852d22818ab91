import { pino, type LevelWithSilent } from 'pino';
import type { Logger } from '../../ports/logger.port.js';

/**
 * The production logger: JSON lines on stdout. Fields whose names suggest
 * secret material are redacted as a second line of defence; the first is
 * never logging them.
 */
export function createPinoLogger(level: LevelWithSilent, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { name: 'gefyra-operator' },
      redact: {
        paths: ['*.PrivateKey', '*.privateKey', '*.token', '*.password', 'details', '*.data'],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    ...(destination ? [destination as pino.DestinationStream] : []),
  ) as unknown as Logger;
}

/** A logger that drops everything: for tests and for library users who bring none. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
