/**
 * Where a client is in its life. Two facts, each set once and never unset:
 *
 * - `refusal`: the store or this client is closing. Calls made from then on are refused with
 *   it; those made before still go out.
 * - `failure`: the client's channels ended (the store closed, this client closed, a shard
 *   died, the store could not open). Calls still to be sent, and cuts, fail with it.
 *
 * So three states: `open` (neither), `refusing` (a refusal only: closing, calls made before
 * still finishing) and `ended` (a failure, with or without a refusal). A refusal is what a
 * new call hears first: a closed store says so, whatever ended its channels since.
 */
export class ClientLife {
  #refusal: Error | null = null;
  #failure: Error | null = null;

  /** Why a call made now is refused, or `null` if it is not. */
  get refusedWith(): Error | null {
    return this.#refusal ?? this.#failure;
  }

  /** Why calls still to be sent now fail, or `null` while the channels last. */
  get failure(): Error | null {
    return this.#failure;
  }

  /** Refuses calls from now on with `error` (the first refusal stays). */
  refuse(error: Error): void {
    this.#refusal ??= error;
  }

  /** The channels ended, because of `why` (the first reason stays). */
  end(why: Error): void {
    this.#failure ??= why;
  }

  /** Closing finished: the channels end with the refusal itself. */
  endRefused(): void {
    if (this.#refusal !== null) this.#failure ??= this.#refusal;
  }
}
