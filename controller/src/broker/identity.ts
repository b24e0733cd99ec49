import type { DeviceAddress } from '@caideng/protocol';

/** Who is on the other end of an MQTT connection, established at authentication. */
export interface Identity extends DeviceAddress {
  username: string;
}
