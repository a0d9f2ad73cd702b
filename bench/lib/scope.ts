/** Something a benchmark started and must stop: a child process, a temporary folder, a database. */
export interface Resource {
  /** A name for progress and error lines. */
  readonly name: string;
  /** Stops it gracefully. */
  close(): Promise<void>;
  /** Stops it at once, synchronously: used when the process is exiting and cannot wait. */
  closeNow(): void;
}

/**
 * Resources in the order they were started; closing stops them in reverse order and never throws,
 * so a failure halfway through a run still removes every child process and temporary folder.
 *
 * @example const scope = new Scope(console.log);
 *          try { scope.track(await startServer(...)); } finally { await scope.close(); }
 */
export class Scope {
  readonly #resources: Resource[] = [];

  constructor(private readonly log: (line: string) => void) {}

  track<T extends Resource>(resource: T): T {
    this.#resources.push(resource);
    return resource;
  }

  /** Stops one resource now (for example a server whose measurements are done). */
  async release(resource: Resource): Promise<void> {
    const index = this.#resources.indexOf(resource);
    if (index === -1) return;
    this.#resources.splice(index, 1);
    await this.#closeOne(resource);
  }

  async close(): Promise<void> {
    while (this.#resources.length > 0) {
      const resource = this.#resources.pop();
      if (resource) await this.#closeOne(resource);
    }
  }

  closeNow(): void {
    while (this.#resources.length > 0) {
      try {
        this.#resources.pop()?.closeNow();
      } catch {
        // Exiting: nothing better to do than try the next one.
      }
    }
  }

  async #closeOne(resource: Resource): Promise<void> {
    try {
      await resource.close();
    } catch (error) {
      this.log(
        `  could not stop ${resource.name}: ${error instanceof Error ? error.message : String(error)}`,
      );
      resource.closeNow();
    }
  }
}
