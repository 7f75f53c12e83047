// A TCP proxy between a Kafka client and the real broker that cuts the connection around chosen
// produce requests: before the broker sees one (the client cannot know whether it was appended),
// or after the broker answered it (it was appended, the client never hears so). It reads only
// Kafka's framing (size, api key, correlation id) and rewrites the broker's port in metadata
// answers, so that the client keeps talking through the proxy after bootstrap.
import net from 'node:net';

const PRODUCE_API_KEY = 0;
const METADATA_API_KEY = 3;
/** The first Metadata version with flexible (compact) encoding; @platformatic/kafka uses 9 to 12. */
const FIRST_FLEXIBLE_METADATA_VERSION = 9;

/** What happens to one produce request: forwarded, cut before the broker, or its answer cut. */
export type ProduceFault = 'forward' | 'drop-request' | 'drop-response';

export interface KafkaFaultProxy {
  /** Bootstrap brokers for the client under test. */
  readonly brokers: string[];
  /** Produce requests the client sent through the proxy, faulty or not. */
  readonly produceRequests: number;
  /** Faults for the next produce requests, in order; a request with none left is forwarded. */
  plan(faults: readonly ProduceFault[]): void;
  close(): Promise<void>;
}

function readUnsignedVarint(frame: Buffer, offset: number): [value: number, next: number] {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = frame[offset++]!;
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value, offset];
  }
}

function skipTaggedFields(frame: Buffer, offset: number): number {
  let [count, next] = readUnsignedVarint(frame, offset);
  for (; count > 0; count--) {
    [, next] = readUnsignedVarint(frame, next);
    const [size, after] = readUnsignedVarint(frame, next);
    next = after + size;
  }
  return next;
}

/** Points every broker of a (flexible) Metadata answer that listens on `from` at port `to`, in place. */
function rewriteMetadataPorts(frame: Buffer, from: number, to: number): void {
  let offset = skipTaggedFields(frame, 8); // size, correlation id, header tagged fields
  offset += 4; // throttle time
  let [brokers, next] = readUnsignedVarint(frame, offset);
  for (brokers -= 1; brokers > 0; brokers--) {
    next += 4; // node id
    const [hostLength, hostStart] = readUnsignedVarint(frame, next);
    next = hostStart + hostLength - 1;
    if (frame.readInt32BE(next) === from) frame.writeInt32BE(to, next);
    next += 4;
    const [rackLength, rackStart] = readUnsignedVarint(frame, next);
    next = rackStart + Math.max(0, rackLength - 1);
    next = skipTaggedFields(frame, next);
  }
}

/** Splits a byte stream into Kafka frames (int32 size, then the frame). */
function frames(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const size = 4 + pending.readInt32BE(0);
      onFrame(pending.subarray(0, size));
      pending = pending.subarray(size);
    }
  };
}

export async function startKafkaFaultProxy(broker: string): Promise<KafkaFaultProxy> {
  const [host, portText] = broker.split(':') as [string, string];
  const brokerPort = Number(portText);
  const faults: ProduceFault[] = [];
  const sockets = new Set<net.Socket>();
  let produceRequests = 0;
  let proxyPort = 0;

  const server = net.createServer((client) => {
    const upstream = net.connect(brokerPort, host);
    sockets.add(client).add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', cut).on('error', cut);
    upstream.on('close', cut).on('error', cut);
    /** Request api key by correlation id, and which answers are to be cut. */
    const requests = new Map<number, { apiKey: number; apiVersion: number; dropResponse: boolean }>();

    client.on(
      'data',
      frames((frame) => {
        const apiKey = frame.readInt16BE(4);
        const apiVersion = frame.readInt16BE(6);
        const correlationId = frame.readInt32BE(8);
        let fault: ProduceFault = 'forward';
        if (apiKey === PRODUCE_API_KEY) {
          produceRequests++;
          fault = faults.shift() ?? 'forward';
        }
        if (fault === 'drop-request') return cut();
        requests.set(correlationId, { apiKey, apiVersion, dropResponse: fault === 'drop-response' });
        upstream.write(frame);
      }),
    );
    upstream.on(
      'data',
      frames((frame) => {
        const correlationId = frame.readInt32BE(4);
        const request = requests.get(correlationId);
        requests.delete(correlationId);
        if (request?.dropResponse) return cut();
        if (request?.apiKey === METADATA_API_KEY) {
          if (request.apiVersion < FIRST_FLEXIBLE_METADATA_VERSION)
            throw new Error(`the fault proxy reads Metadata v9 and later, not v${request.apiVersion}`);
          rewriteMetadataPorts(frame, brokerPort, proxyPort);
        }
        client.write(frame);
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxyPort = (server.address() as net.AddressInfo).port;

  return {
    brokers: [`127.0.0.1:${proxyPort}`],
    get produceRequests() {
      return produceRequests;
    },
    plan(next) {
      faults.splice(0, faults.length, ...next);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
