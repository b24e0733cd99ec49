/**
 * Device → controller requests on `…/req`, answered on `…/res` with the same tx. Methods are a lookup
 * table; one catch turns any failure into an error response with a code.
 */
import { PROTOCOL_VERSION, type DeviceAddress, type DeviceRequest, type RequestMethod } from '@caideng/protocol';
import { Feature, type FeatureContext } from '../feature.js';
import type { BusPublisher } from '../../broker/ports.js';
import type { SceneLibrary } from '../scenes/sceneLibrary.js';
import { CaidengError } from '@caideng/protocol';
import type { Clock } from '../../clock.js';

type Handler = (address: DeviceAddress, request: DeviceRequest, receivedAt: number) => Promise<Record<string, unknown>> | Record<string, unknown>;

export class Requests extends Feature {
  private readonly handlers: Record<RequestMethod, Handler> = {
    // Devices follow the controller's clock (shifted and faster in the demo), not the wall clock.
    'time.sync': (_a, request, receivedAt) => ({ deviceTs: request.ts, controllerTs: this.clock.fromReal(receivedAt) }),
    ping: () => ({ pong: true }),
    'scene.get': async (_a, request) => {
      const name = request.params?.name;
      if (typeof name !== 'string') throw new CaidengError('CAIDENG_ERR_VALIDATION', ["params.name must be a scene name"]);
      const { summary, scene } = await this.scenes.get(name);
      return { name, revision: summary.revision ?? 0, scene };
    },
  };

  constructor(
    ctx: FeatureContext,
    private readonly broker: BusPublisher,
    private readonly scenes: SceneLibrary,
    private readonly clock: Pick<Clock, 'now' | 'fromReal'> = { now: Date.now, fromReal: (t) => t },
  ) {
    super(ctx, 'requests');
  }

  override async start(): Promise<void> {
    this.ctx.bus.on('device.request', this, async ({ address, request, receivedAt }) => {
      try {
        const data = await this.handlers[request.method](address, request, receivedAt);
        await this.broker.publish(address, 'res', { v: PROTOCOL_VERSION, tx: request.tx, ts: this.clock.now(), status: 'ok', data });
      } catch (err) {
        if (!(err instanceof CaidengError)) this.log.warn({ err, method: request.method }, 'request failed');
        await this.broker.publish(address, 'res', {
          v: PROTOCOL_VERSION,
          tx: request.tx,
          ts: Date.now(),
          status: 'error',
          code: err instanceof CaidengError ? err.code : 'CAIDENG_ERR_INTERNAL',
          error: err instanceof CaidengError ? err.message : 'internal error',
        });
      }
    });
  }
}
