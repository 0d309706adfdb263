/**
 * One read of the checkpoint topic for many checkpoint stores. A parallel runner that is given
 * six tasks restores twelve checkpoints (each task's input and merge stages); reading the topic
 * to its end once per store would read it twelve times. Stores ask for a read after fencing their
 * predecessor (their producer's init), and every request made before a read starts shares it, so
 * each store still sees everything committed before it fenced.
 */
import type { Kafka, KafkaMessage } from "kafkajs";
import { readToEnd } from "../kafka/read-to-end";

type Each = (message: KafkaMessage, partition: number) => void;

/** See the module comment. */
export class CheckpointScan {
  private waiting: Array<{ each: Each; resolve(): void; reject(err: unknown): void }> = [];
  private timer: NodeJS.Timeout | undefined;

  /**
   * `gatherMs`: how long a first request waits for others to join its read (default 25 ms).
   */
  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly o: { gatherMs?: number; timeoutMs?: number } = {},
  ) {}

  /** Feeds every committed record of the topic, read to its end after this call, to `each`. */
  read(each: Each): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ each, resolve, reject });
      this.timer ??= setTimeout(() => void this.run(), this.o.gatherMs ?? 25);
    });
  }

  private async run(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    this.timer = undefined;
    try {
      await readToEnd(this.kafka, this.topic, (m, p) => {
        for (const w of batch) w.each(m, p);
      }, { timeoutMs: this.o.timeoutMs });
      for (const w of batch) w.resolve();
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
}
