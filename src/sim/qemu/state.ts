/** One QEMU VM (`/etc/pve/qemu-server/<vmid>.conf`). Same file layout as a container's. */
import type { LxcState } from '../lxc/state.js';

export interface QemuState extends LxcState {
  /**
   * The cloud-init values the cloud-init drive was last generated from (`[special:cloudinit]`):
   * GET /cloudinit compares the config with them; start and PUT /cloudinit regenerate.
   */
  ciGenerated?: Record<string, string | number>;
  /** Whether the guest agent inside answers (it needs a while after boot; false until then). */
  agentUp?: boolean;
}
