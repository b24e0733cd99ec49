/**
 * What the broker needs from the rest of the controller, as small interfaces: it depends on these,
 * not on feature classes, and features depend on `BusPublisher`, not on the broker.
 */
import type { Address, Channel, ChannelPayloads, CompoundChannel } from '@caideng/protocol';

/** Checks a device's credentials at CONNECT. */
export interface DeviceAuthenticator {
  verify(username: string, password: Buffer | string | undefined): boolean;
}

/** Knows which devices are registered. */
export interface DeviceDirectory {
  deviceExists(compound: string, role: string, device: string): boolean;
}

/** Publishes a controller message on the bus, checked against the contract, with the channel's QoS and retain flag. */
export interface BusPublisher {
  publish<C extends Channel>(address: Address, channel: C, payload: ChannelPayloads[C], retain?: boolean): Promise<void>;
  /** Publishes on a compound's compound-level address (`caideng/v1/{compound}/compound/-/{channel}`). */
  publishToCompound<C extends CompoundChannel>(compound: string, channel: C, payload: ChannelPayloads[C]): Promise<void>;
  isConnected(username: string): boolean;
}
