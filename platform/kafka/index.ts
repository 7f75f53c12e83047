export * from './kafka-config.js';
export * from './pipeline-topics.js';
export * from './kafkajs-client.js';
export * from './record-producer.js';
