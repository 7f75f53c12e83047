import { createAPI, produceV9, Writer } from '@platformatic/kafka';

/** Produce v9 (a flexible version) around record batches encoded by record-batch.ts. */

const PRODUCE_API_KEY = 0;

export interface PartitionData {
  index: number;
  batch: Buffer;
}

export interface TopicData {
  name: string;
  partitions: PartitionData[];
}

export type ProduceResponse = produceV9.ProduceResponse;

/** `produce.async(connection, acks, timeoutMs, topics)`; a partition's error rejects it. */
export const produce = createAPI<[acks: number, timeoutMs: number, topics: TopicData[]], ProduceResponse>(
  PRODUCE_API_KEY,
  9,
  (acks: number, timeoutMs: number, topics: TopicData[]) =>
    Writer.create()
      .appendString(null)
      .appendInt16(acks)
      .appendInt32(timeoutMs)
      .appendArray(topics, (w, topic) =>
        w.appendString(topic.name).appendArray(topic.partitions, (p, partition) =>
          p
            .appendInt32(partition.index)
            .appendUnsignedVarInt(partition.batch.length + 1)
            .append(partition.batch),
        ),
      )
      .appendTaggedFields(),
  produceV9.parseResponse,
);
