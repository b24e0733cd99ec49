/**
 * What the broker needs from the rest of the controller, as small interfaces: it depends on these,
 * not on feature classes, and features depend on `BusPublisher`, not on the broker.
 */
import type { Channel, ChannelPayloads, DeviceAddress } from '@caideng/protocol';

/** Checks a device's credentials at CONNECT. */
export interface DeviceAuthenticator {
  verify(username: string, password: Buffer | string | undefined): boolean;
}

/** Knows which devices are registered. */
export interface DeviceDirectory {
  deviceExists(compound: string, role: string, device: string): boolean;
}

/** Publishes a controller message on the bus, checked against the contract. */
export interface BusPublisher {
  publish<C extends Channel>(address: DeviceAddress, channel: C, payload: ChannelPayloads[C], retain?: boolean): Promise<void>;
  isConnected(username: string): boolean;
}
