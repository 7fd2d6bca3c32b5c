/**
 * Formats registered outside pve-common that cluster-level parameters use: pve-storage's
 * `verify_content` (PVE/Storage/Plugin.pm) and pve-access-control's `verify_poolname` and
 * `verify_privname` (PVE/AccessControl.pm).
 */
import { registerFormat } from '../formats.js';

/** `valid_content_types('dir')` (DirPlugin `plugindata`): dir includes every other type. */
export const STORAGE_CONTENT_TYPES = [
  'images',
  'rootdir',
  'vztmpl',
  'iso',
  'backup',
  'snippets',
  'none',
  'import',
] as const;

registerFormat('pve-storage-content', (v) =>
  (STORAGE_CONTENT_TYPES as readonly string[]).includes(v)
    ? undefined
    : `invalid content type '${v}'`,
);

registerFormat('pve-poolid', (v) => {
  // Perl's split drops trailing empty fields, so `a/b/c/` counts 3 levels.
  if (v.replace(/\/+$/, '').split('/').length > 3)
    return `pool name '${v}' nested too deeply (max levels = 3)`;
  if (!/^[A-Za-z0-9.\-_]+(?:\/[A-Za-z0-9.\-_]+){0,2}$/.test(v))
    return `pool name '${v}' contains invalid characters`;
  return undefined;
});

/** `$privgroups` plus `Permissions.Modify`: every privilege `verify_privname` knows. */
export const VALID_PRIVS: ReadonlySet<string> = new Set([
  'VM.Config.Disk',
  'VM.Config.CPU',
  'VM.Config.Memory',
  'VM.Config.Network',
  'VM.Config.HWType',
  'VM.Config.Options',
  'VM.Allocate',
  'VM.Clone',
  'VM.GuestAgent.Unrestricted',
  'VM.Migrate',
  'VM.Replicate',
  'VM.Snapshot',
  'VM.Snapshot.Rollback',
  'VM.Config.CDROM',
  'VM.Config.Cloudinit',
  'VM.Console',
  'VM.Backup',
  'VM.GuestAgent.FileRead',
  'VM.GuestAgent.FileSystemMgmt',
  'VM.GuestAgent.FileWrite',
  'VM.PowerMgmt',
  'VM.Audit',
  'VM.GuestAgent.Audit',
  'Sys.PowerMgmt',
  'Sys.Modify',
  'Sys.Incoming',
  'Sys.AccessNetwork',
  'Sys.Console',
  'Sys.Syslog',
  'Sys.Audit',
  'Datastore.Allocate',
  'Datastore.AllocateTemplate',
  'Datastore.AllocateSpace',
  'Datastore.Audit',
  'SDN.Allocate',
  'SDN.Audit',
  'SDN.Use',
  'Realm.Allocate',
  'User.Modify',
  'Group.Allocate',
  'Realm.AllocateUser',
  'Pool.Allocate',
  'Pool.Audit',
  'Mapping.Modify',
  'Mapping.Use',
  'Mapping.Audit',
  'Permissions.Modify',
]);

registerFormat('pve-priv', (v) => (VALID_PRIVS.has(v) ? undefined : `invalid privilege '${v}'`));
