/**
 * The Bridge spec as the reconciler reads it (defaults applied by the source). Kept structural so the
 * reconciler works with the schema-derived type of `schema.ts`.
 */
export interface BridgeSpec {
  node: string;
  iface: string;
  ports?: readonly string[];
  cidr?: string;
  gateway?: string;
  vlanAware?: boolean;
  vids?: string | readonly (string | number)[];
  mtu?: number;
  autostart?: boolean;
  comment?: string;
  /** Allow changing or removing the bridge that carries the node's API address or default gateway. */
  allowApiBridge?: boolean;
  /** Take over an existing bridge of the same name that pxr did not create. */
  adopt?: boolean;
}
