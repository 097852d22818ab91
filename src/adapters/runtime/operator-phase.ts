/**
 * Where the leading replica stands, shared by its controllers: whether the
 * installation is ready (controllers that serve it start then), and whether
 * a reset is under way or done (after which nothing is served any more).
 * The cluster holds the state; this is only the current term's view of it.
 */
export class OperatorPhase {
  #installed = false;
  #resetting = false;
  #resetDone = false;
  #onInstalled: () => Promise<void> = async () => undefined;
  #onResetRequested: () => void = () => undefined;

  get installed(): boolean {
    return this.#installed;
  }

  get resetting(): boolean {
    return this.#resetting;
  }

  get resetDone(): boolean {
    return this.#resetDone;
  }

  /** The installation is ready; resolves once the controllers that wait for it have started. */
  async markInstalled(): Promise<void> {
    this.#installed = true;
    await this.#onInstalled();
  }

  /** Someone else changed the installation: not ready until it is applied again. */
  markDrifted(): void {
    this.#installed = false;
  }

  /** The term ended (the lead is lost): the next one finds out again. */
  endTerm(): void {
    this.#installed = false;
  }

  requestReset(): void {
    this.#onResetRequested();
  }

  beginReset(): void {
    this.#resetting = true;
  }

  finishReset(): void {
    this.#resetDone = true;
  }

  /** The manager: what to do when the installation is ready. */
  whenInstalled(callback: () => Promise<void>): void {
    this.#onInstalled = callback;
  }

  /** The controller that resets: where reset requests go. */
  whenResetRequested(callback: () => void): void {
    this.#onResetRequested = callback;
  }
}
