/**
 * Device → controller requests on `…/req`, answered on `…/res` with the same tx. Methods are a lookup
 * table; one catch turns any failure into an error response with a code.
 */
import { PROTOCOL_VERSION, type DeviceAddress, type DeviceRequest, type RequestMethod } from '@caideng/protocol';
import { Feature, type FeatureContext } from './feature.js';
import type { Broker } from '../broker/broker.js';

type Handler = (address: DeviceAddress, request: DeviceRequest, receivedAt: number) => Promise<Record<string, unknown>> | Record<string, unknown>;

export class Requests extends Feature {
  private readonly handlers: Record<RequestMethod, Handler> = {
    'time.sync': (_a, request, receivedAt) => ({ deviceTs: request.ts, controllerTs: receivedAt }),
    ping: () => ({ pong: true }),
  };

  constructor(
    ctx: FeatureContext,
    private readonly broker: Broker,
  ) {
    super(ctx, 'requests');
  }

  override async start(): Promise<void> {
    this.ctx.bus.on('device.request', this, async ({ address, request, receivedAt }) => {
      try {
        const data = await this.handlers[request.method](address, request, receivedAt);
        await this.broker.publish(address, 'res', { v: PROTOCOL_VERSION, tx: request.tx, ts: Date.now(), status: 'ok', data });
      } catch (err) {
        this.log.warn({ err, method: request.method }, 'request failed');
        await this.broker.publish(address, 'res', {
          v: PROTOCOL_VERSION,
          tx: request.tx,
          ts: Date.now(),
          status: 'error',
          code: 'CAIDENG_ERR_INTERNAL',
          error: (err as Error).message,
        });
      }
    });
  }
}
