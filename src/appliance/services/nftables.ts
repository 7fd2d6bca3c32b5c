/**
 * nftables kept converged through a Transport. Steps: observe (`nft -j list table inet pxr`, the
 * ip_forward sysctl) → diff chain by chain → when anything differs, write the whole table file, check
 * it with `nft -c -f`, apply it with `nft -f` (one transaction: the table is replaced atomically) →
 * set ip_forward now and in sysctl.d → observe again. Nothing outside `inet pxr` is ever touched.
 */
import { PxrError, TerminalError } from '../../core/errors.js';
import { validateDesired } from '../desired.js';
import type { ApplianceDesired } from '../desired.js';
import {
  NFT_FAMILY,
  NFT_TABLE,
  nftModel,
  parseNftJson,
  renderNftables,
  wantsIpForward,
} from '../render/nftables.js';
import type { NftChain, NftTable } from '../render/nftables.js';
import type { Transport } from '../transport/types.js';
import type { ApplianceService, DriftItem, ServiceReport } from './types.js';

export interface NftLayout {
  /** The table file pxr writes and applies. @default '/etc/pxr/pxr.nft' */
  rulesPath: string;
  /** Keeps ip_forward across reboots. @default '/etc/sysctl.d/99-pxr.conf' */
  sysctlPath: string;
}

export const defaultNftLayout: NftLayout = {
  rulesPath: '/etc/pxr/pxr.nft',
  sysctlPath: '/etc/sysctl.d/99-pxr.conf',
};

export interface NftObserved {
  table: NftTable | undefined;
  ipForward: boolean;
}

export interface NftServiceOptions {
  transport: Transport;
  layout?: NftLayout;
  /** @default 'nft' */
  nftBin?: string;
}

const FORWARD_KEY = 'net.ipv4.ip_forward';

export class NftService implements ApplianceService<NftObserved> {
  readonly name = 'nftables' as const;
  private readonly t: Transport;
  private readonly layout: NftLayout;
  private readonly bin: string;

  constructor(opts: NftServiceOptions) {
    this.t = opts.transport;
    this.layout = opts.layout ?? defaultNftLayout;
    this.bin = opts.nftBin ?? 'nft';
  }

  async observe(): Promise<NftObserved> {
    // Both reads at once (each is a round trip over the transport).
    const [r, f] = await Promise.all([
      this.t.exec([this.bin, '-j', 'list', 'table', NFT_FAMILY, NFT_TABLE]),
      this.t.exec(['sysctl', '-n', FORWARD_KEY]),
    ]);
    let table: NftTable | undefined;
    if (r.code === 0) table = parseNftJson(r.stdout);
    else if (!/No such file or directory/.test(r.stderr))
      throw new PxrError(
        'NFT_LIST_FAILED',
        `nft list failed (exit ${r.code}): ${r.stderr.trim()}`,
        {
          context: { service: 'nftables', transport: this.t.description },
        },
      );
    if (f.code !== 0)
      throw new PxrError('SYSCTL_READ_FAILED', `sysctl ${FORWARD_KEY} failed: ${f.stderr.trim()}`, {
        context: { service: 'nftables', transport: this.t.description },
      });
    return { table, ipForward: f.stdout.trim() === '1' };
  }

  diff(desired: ApplianceDesired, observed: NftObserved): DriftItem[] {
    return diffNft(nftModel(desired), wantsIpForward(desired), observed);
  }

  async apply(desired: ApplianceDesired, observed?: NftObserved): Promise<ServiceReport> {
    const issues = validateDesired(desired);
    if (issues.length > 0)
      throw new TerminalError('InvalidApplianceSpec', issues.join('; '), { context: { issues } });
    const model = nftModel(desired);
    const forward = wantsIpForward(desired);
    const before = observed ?? (await this.observe());
    const drift = diffNft(model, forward, before);
    const actions: string[] = [];
    if (drift.some((d) => d.field.startsWith('nftables.'))) {
      await this.t.writeFile(this.layout.rulesPath, renderNftables(model));
      const check = await this.t.exec([this.bin, '-c', '-f', this.layout.rulesPath]);
      if (check.code !== 0)
        throw new TerminalError(
          'ConfigRejected',
          `nft -c refused the rendered table: ${check.stderr.trim()}`,
          {
            context: { service: 'nftables', path: this.layout.rulesPath },
          },
        );
      const r = await this.t.exec([this.bin, '-f', this.layout.rulesPath]);
      if (r.code !== 0)
        throw new PxrError(
          'NFT_APPLY_FAILED',
          `nft -f failed (exit ${r.code}): ${r.stderr.trim()}`,
          {
            context: { service: 'nftables', transport: this.t.description },
          },
        );
      actions.push(`nft -f ${this.layout.rulesPath}`);
    }
    if (before.ipForward !== forward) {
      const value = `${FORWARD_KEY}=${forward ? 1 : 0}`;
      const r = await this.t.exec(['sysctl', '-w', value]);
      if (r.code !== 0)
        throw new PxrError('SYSCTL_WRITE_FAILED', `sysctl -w ${value} failed: ${r.stderr.trim()}`, {
          context: { service: 'nftables', transport: this.t.description },
        });
      actions.push(`sysctl -w ${value}`);
    }
    const persisted = `# Managed by pxr\n${FORWARD_KEY} = ${forward ? 1 : 0}\n`;
    if ((await this.t.readFile(this.layout.sysctlPath)) !== persisted) {
      await this.t.writeFile(this.layout.sysctlPath, persisted);
      actions.push(`wrote ${this.layout.sysctlPath}`);
    }
    const after = await this.observe();
    return {
      service: 'nftables',
      drift,
      actions,
      remaining: diffNft(model, forward, after),
      warnings: [],
    };
  }
}

function chainHead(c: NftChain): string {
  return `type ${c.type} hook ${c.hook} priority ${c.priority}; policy ${c.policy};`;
}

/** Pure: chain by chain, what differs between the model and the listed table. */
export function diffNft(model: NftTable, ipForward: boolean, observed: NftObserved): DriftItem[] {
  const drift: DriftItem[] = [];
  const item = (field: string, desired: string | undefined, actual: string | undefined): void => {
    drift.push({ service: 'nftables', field, desired, actual });
  };
  if (!observed.table) item(`nftables.table`, `${NFT_FAMILY} ${NFT_TABLE}`, undefined);
  else {
    const have = new Map(observed.table.chains.map((c) => [c.name, c]));
    for (const want of model.chains) {
      const got = have.get(want.name);
      const field = `nftables.chain.${want.name}`;
      if (!got) item(field, chainHead(want), undefined);
      else {
        if (chainHead(got) !== chainHead(want))
          item(`${field}.head`, chainHead(want), chainHead(got));
        if (got.rules.join('\n') !== want.rules.join('\n'))
          item(`${field}.rules`, want.rules.join('\n'), got.rules.join('\n'));
      }
      have.delete(want.name);
    }
    for (const extra of have.values())
      item(`nftables.chain.${extra.name}`, undefined, chainHead(extra));
  }
  if (observed.ipForward !== ipForward)
    item(`sysctl.${FORWARD_KEY}`, ipForward ? '1' : '0', observed.ipForward ? '1' : '0');
  return drift;
}
