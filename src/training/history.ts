// The record fit returns, shaped like Keras's and TF.js's History: epoch numbers (0-based) and, per
// metric key ('loss', 'acc', 'val_loss', 'val_acc'), one value per epoch.
export type Logs = Record<string, number>;

export class History {
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};
  /** The fit options that produced it (epochs, batchSize, samples, steps, ...). */
  params: Record<string, unknown> = {};

  record(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) {
      (this.history[key] ??= []).push(value);
    }
  }
}
