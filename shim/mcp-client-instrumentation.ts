import { InstrumentationBase, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpHostTelemetry } from './host-telemetry.js';
import { describeTransport, tapTransport } from './instrument-client.js';

export interface McpClientInstrumentationConfig extends InstrumentationConfig {
  /** Names the server behind a transport; by default from its command line or URL. */
  serverFor?: (transport: Transport) => { name: string; endpoint: string };
  /** The host's current conversation. */
  sessionId?: () => string;
  /** Defaults to a per-process telemetry on this instrumentation's tracer. */
  telemetry?: McpHostTelemetry;
}

const VERSION = '0.1.0';

type Connect = Client['connect'];

/**
 * `registerInstrumentations({ instrumentations: [new McpClientInstrumentation()] })` and every MCP
 * SDK client connected afterwards is observed. The SDK is an ES module, and hooking ES module
 * loading needs a loader flag (`--import @opentelemetry/instrumentation/hook.mjs`) that hosts rarely
 * run with, so this patches the `connect` method of the Client class this package imports instead.
 * The SDK is a peer dependency, so that is the host's own Client: an ESM host gets the shim's ESM
 * build, which patches the SDK's ESM Client; a CommonJS host (`require`) gets the CommonJS build,
 * which patches the SDK's CommonJS Client.
 */
export class McpClientInstrumentation extends InstrumentationBase<McpClientInstrumentationConfig> {
  private telemetry: McpHostTelemetry | undefined;

  constructor(config: McpClientInstrumentationConfig = {}) {
    super('@mcptap/instrumentation-mcp-client', VERSION, config);
  }

  protected override init() {
    return [];
  }

  override enable(): void {
    super.enable();
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the patched method needs both `this`es
    const instrumentation = this;
    this._wrap(Client.prototype, 'connect', (original: Connect) => {
      return function connect(this: Client, transport: Transport, options?: Parameters<Connect>[1]) {
        return original.call(this, instrumentation.tap(transport), options);
      } as Connect;
    });
  }

  override disable(): void {
    super.disable();
    this._unwrap(Client.prototype, 'connect');
  }

  private tap(transport: Transport): Transport {
    try {
      const config = this.getConfig();
      const server = config.serverFor?.(transport) ?? describeTransport(transport);
      return tapTransport(transport, {
        serverName: server.name,
        endpoint: server.endpoint,
        sessionId: config.sessionId,
        telemetry: config.telemetry ?? this.ownTelemetry(),
      });
    } catch {
      return transport;
    }
  }

  private ownTelemetry(): McpHostTelemetry {
    // Created at the first connection, once registerInstrumentations has set the tracer provider.
    this.telemetry ??= new McpHostTelemetry({ tracer: this.tracer });
    return this.telemetry;
  }
}
