import type { ExecHandler, ExecRequest } from '../../support/control-plane/index.js';

interface Armed {
  readonly matches: (request: ExecRequest) => boolean;
  readonly fire: (request: ExecRequest) => void;
  readonly fired: () => void;
}

/**
 * An exec handler that answers nothing but, once armed, runs an action the
 * moment a matching command arrives at the simulated node, before Stowaway or
 * Carrier answer it: the way to kill the operator in the middle of a command.
 * Register it before the Gefyra handlers (`useE2eEnvironment({ handlers })`).
 */
export class ExecTripwire {
  #armed: Armed | undefined;

  readonly handle: ExecHandler = (request) => {
    const armed = this.#armed;
    if (armed === undefined || !armed.matches(request)) return undefined;
    this.#armed = undefined;
    armed.fire(request);
    armed.fired();
    return undefined;
  };

  /** Arms once: `fire` runs synchronously on the first matching exec (before it is answered); the promise resolves after it. */
  async arm(matches: (request: ExecRequest) => boolean, fire: (request: ExecRequest) => void): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#armed = { matches, fire, fired: resolve };
    });
  }

  disarm(): void {
    this.#armed = undefined;
  }
}
