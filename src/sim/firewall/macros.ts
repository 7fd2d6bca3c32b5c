/**
 * The standard rule macros of pve-firewall (shorewall-derived, Firewall.pm `$pve_fw_macros` and
 * `$pve_ipv6fw_macros`): name, description and the rules each expands to, as
 * `"proto dport [sport]"` (`-` for none). Rules accept a macro name case-insensitively, store
 * its preferred spelling, and may not contradict the macro's own proto/dport/sport.
 */
import { paramError } from '../types.js';

interface Macro {
  descr: string;
  rules: string[];
  /** The IPv6 variant, used when the rule is IPv6. */
  v6?: string[];
  /** Macros that only exist for one IP version. */
  only?: 4 | 6;
}

const MACROS: Readonly<Record<string, Macro>> = {
  Amanda: { descr: 'Amanda Backup', rules: ['udp 10080', 'tcp 10080'] },
  Auth: { descr: 'Auth (identd) traffic', rules: ['tcp 113'] },
  BGP: { descr: 'Border Gateway Protocol traffic', rules: ['tcp 179'] },
  BitTorrent: {
    descr: 'BitTorrent traffic for BitTorrent 3.1 and earlier',
    rules: ['tcp 6881:6889', 'udp 6881'],
  },
  BitTorrent32: {
    descr: 'BitTorrent traffic for BitTorrent 3.2 and later',
    rules: ['tcp 6881:6999', 'udp 6881'],
  },
  Ceph: {
    descr: 'Ceph Storage Cluster traffic (Ceph Monitors, OSD & MDS Daemons)',
    rules: ['tcp 6789', 'tcp 3300', 'tcp 6800:7300'],
  },
  Citrix: {
    descr: 'Citrix/ICA traffic (ICA, ICA Browser, CGP)',
    rules: ['tcp 1494', 'udp 1604', 'tcp 2598'],
  },
  CVS: { descr: 'Concurrent Versions System pserver traffic', rules: ['tcp 2401'] },
  DAAP: {
    descr: 'Digital Audio Access Protocol traffic (iTunes, Rythmbox daemons)',
    rules: ['tcp 3689', 'udp 3689'],
  },
  DCC: {
    descr: 'Distributed Checksum Clearinghouse spam filtering mechanism',
    rules: ['tcp 6277'],
  },
  DHCPfwd: { descr: 'Forwarded DHCP traffic', rules: ['udp 67:68 67:68'] },
  DHCPv6: { descr: 'DHCPv6 traffic', rules: ['udp 546:547 546:547'], only: 6 },
  Distcc: { descr: 'Distributed Compiler service', rules: ['tcp 3632'] },
  DNS: { descr: 'Domain Name System traffic (upd and tcp)', rules: ['udp 53', 'tcp 53'] },
  Finger: { descr: 'Finger protocol (RFC 742)', rules: ['tcp 79'] },
  FTP: { descr: 'File Transfer Protocol', rules: ['tcp 21'] },
  Git: { descr: 'Git distributed revision control traffic', rules: ['tcp 9418'] },
  GNUnet: {
    descr: 'GNUnet secure peer-to-peer networking traffic',
    rules: ['tcp 2086', 'udp 2086', 'tcp 1080', 'udp 1080'],
  },
  GRE: { descr: 'Generic Routing Encapsulation tunneling protocol', rules: ['47'] },
  HKP: { descr: 'OpenPGP HTTP key server protocol traffic', rules: ['tcp 11371'] },
  HTTP: { descr: 'Hypertext Transfer Protocol (WWW)', rules: ['tcp 80'] },
  HTTPS: { descr: 'Hypertext Transfer Protocol (WWW) over SSL', rules: ['tcp 443'] },
  ICPV2: { descr: 'Internet Cache Protocol V2 (Squid) traffic', rules: ['udp 3130'] },
  ICQ: { descr: 'AOL Instant Messenger traffic', rules: ['tcp 5190'] },
  IMAP: { descr: 'Internet Message Access Protocol', rules: ['tcp 143'] },
  IMAPS: { descr: 'Internet Message Access Protocol over SSL', rules: ['tcp 993'] },
  IPIP: { descr: 'IPIP capsulation traffic', rules: ['94'] },
  IPsec: { descr: 'IPsec traffic', rules: ['udp 500 500', '50'] },
  IPsecah: { descr: 'IPsec authentication (AH) traffic', rules: ['udp 500 500', '51'] },
  IPsecnat: { descr: 'IPsec traffic and Nat-Traversal', rules: ['udp 500', 'udp 4500', '50'] },
  IRC: { descr: 'Internet Relay Chat traffic', rules: ['tcp 6667'] },
  Jetdirect: { descr: 'HP Jetdirect printing', rules: ['tcp 9100'] },
  L2TP: { descr: 'Layer 2 Tunneling Protocol traffic', rules: ['udp 1701'] },
  LDAP: { descr: 'Lightweight Directory Access Protocol traffic', rules: ['tcp 389'] },
  LDAPS: { descr: 'Secure Lightweight Directory Access Protocol traffic', rules: ['tcp 636'] },
  Mail: {
    descr: 'Mail traffic (SMTP, SMTPS, Submission)',
    rules: ['tcp 25', 'tcp 465', 'tcp 587'],
  },
  MDNS: { descr: 'Multicast DNS', rules: ['udp 5353'] },
  MSNP: { descr: 'Microsoft Notification Protocol', rules: ['tcp 1863'] },
  MSSQL: { descr: 'Microsoft SQL Server', rules: ['tcp 1433'] },
  Munin: { descr: 'Munin networked resource monitoring traffic', rules: ['tcp 4949'] },
  MySQL: { descr: 'MySQL server', rules: ['tcp 3306'] },
  NeighborDiscovery: {
    descr: 'IPv6 neighbor solicitation, neighbor and router advertisement',
    rules: [
      'icmpv6 router-solicitation',
      'icmpv6 router-advertisement',
      'icmpv6 neighbor-solicitation',
      'icmpv6 neighbor-advertisement',
    ],
    only: 6,
  },
  NNTP: { descr: 'NNTP traffic (Usenet).', rules: ['tcp 119'] },
  NNTPS: { descr: 'Encrypted NNTP traffic (Usenet)', rules: ['tcp 563'] },
  NTP: { descr: 'Network Time Protocol (ntpd)', rules: ['udp 123'] },
  OpenVPN: { descr: 'OpenVPN traffic', rules: ['udp 1194'] },
  OSPF: { descr: 'OSPF multicast traffic', rules: ['89'] },
  PCA: { descr: 'Symantec PCAnywere (tm)', rules: ['udp 5632', 'tcp 5631'] },
  Ping: { descr: 'ICMP echo request', rules: ['icmp echo-request'], v6: ['icmpv6 echo-request'] },
  PMG: { descr: 'Proxmox Mail Gateway web interface', rules: ['tcp 8006'] },
  POP3: { descr: 'POP3 traffic', rules: ['tcp 110'] },
  POP3S: { descr: 'Encrypted POP3 traffic', rules: ['tcp 995'] },
  PostgreSQL: { descr: 'PostgreSQL server', rules: ['tcp 5432'] },
  PPtP: { descr: 'Point-to-Point Tunneling Protocol', rules: ['47', 'tcp 1723'] },
  Printer: { descr: 'Line Printer protocol printing', rules: ['tcp 515'] },
  Razor: { descr: 'Razor Antispam System', rules: ['tcp 2703'] },
  Rdate: { descr: 'Remote time retrieval (rdate)', rules: ['tcp 37'] },
  RDP: { descr: 'Microsoft Remote Desktop Protocol traffic', rules: ['tcp 3389'] },
  RIP: { descr: 'Routing Information Protocol (bidirectional)', rules: ['udp 520'] },
  RNDC: { descr: 'BIND remote management protocol', rules: ['tcp 953'] },
  Rsync: { descr: 'Rsync server', rules: ['tcp 873'] },
  SANE: { descr: 'SANE network scanning', rules: ['tcp 6566'] },
  SixXS: {
    descr: 'SixXS IPv6 Deployment and Tunnel Broker',
    rules: ['tcp 3874', 'udp 3740', '41', 'udp 5072,8374'],
  },
  SMB: {
    descr: 'Microsoft SMB traffic',
    rules: ['udp 135,445', 'udp 137:139', 'udp 1024:65535 137', 'tcp 135,139,445'],
  },
  SMBswat: { descr: 'Samba Web Administration Tool', rules: ['tcp 901'] },
  SMTP: { descr: 'Simple Mail Transfer Protocol', rules: ['tcp 25'] },
  SMTPS: { descr: 'Encrypted Simple Mail Transfer Protocol', rules: ['tcp 465'] },
  SNMP: { descr: 'Simple Network Management Protocol', rules: ['udp 161:162', 'tcp 161'] },
  SPAMD: { descr: 'Spam Assassin SPAMD traffic', rules: ['tcp 783'] },
  SPICEproxy: { descr: 'Proxmox VE SPICE display proxy traffic', rules: ['tcp 3128'] },
  Squid: { descr: 'Squid web proxy traffic', rules: ['tcp 3128'] },
  SSH: { descr: 'Secure shell traffic', rules: ['tcp 22'] },
  Submission: { descr: 'Mail message submission traffic', rules: ['tcp 587'] },
  SVN: { descr: 'Subversion server (svnserve)', rules: ['tcp 3690'] },
  Syslog: { descr: 'Syslog protocol (RFC 5424) traffic', rules: ['udp 514', 'tcp 514'] },
  Telnet: { descr: 'Telnet traffic', rules: ['tcp 23'] },
  Telnets: { descr: 'Telnet over SSL', rules: ['tcp 992'] },
  TFTP: { descr: 'Trivial File Transfer Protocol traffic', rules: ['udp 69'] },
  Time: { descr: 'RFC 868 Time protocol', rules: ['tcp 37'] },
  Trcrt: {
    descr: 'Traceroute (for up to 30 hops) traffic',
    rules: ['udp 33434:33524', 'icmp echo-request'],
    v6: ['udp 33434:33524', 'icmpv6 echo-request'],
  },
  VNC: { descr: "VNC traffic for VNC display's 0 - 99", rules: ['tcp 5900:5999'] },
  VNCL: { descr: 'VNC traffic from Vncservers to Vncviewers in listen mode', rules: ['tcp 5500'] },
  Web: { descr: 'WWW traffic (HTTP and HTTPS)', rules: ['tcp 80', 'tcp 443'] },
  Webcache: { descr: 'Web Cache/Proxy traffic (port 8080)', rules: ['tcp 8080'] },
  Webmin: { descr: 'Webmin traffic', rules: ['tcp 10000'] },
  Whois: { descr: 'Whois (nicname, RFC 3912) traffic', rules: ['tcp 43'] },
};

const PREFERRED = new Map<string, string>(Object.keys(MACROS).map((n) => [n.toLowerCase(), n]));

/** The preferred spelling of a macro name, or undefined for an unknown macro. */
export function preferredMacroName(name: string): string | undefined {
  return PREFERRED.get(name.toLowerCase());
}

/** `GET /cluster/firewall/macros` (Perl lists them in hash order; sorted here). */
export function macroList(): { macro: string; descr: string }[] {
  return Object.keys(MACROS)
    .sort()
    .map((macro) => ({ macro, descr: MACROS[macro]?.descr ?? macro }));
}

const FIELDS = ['proto', 'dport', 'sport'] as const;

/**
 * Firewall.pm `$apply_macro` in verify mode: a rule's own proto/dport/sport must agree with
 * every rule of its macro, else 400 on that field.
 */
export function checkMacroConflicts(
  name: string,
  rule: Partial<Record<(typeof FIELDS)[number], string | number>>,
  ipversion: 4 | 6 | undefined,
): void {
  const macro = MACROS[name];
  if (!macro) return;
  if (ipversion && macro.only && macro.only !== ipversion) return;
  const templates = ipversion === 6 && macro.v6 ? macro.v6 : macro.rules;
  for (const template of templates) {
    const values = template.split(' ');
    FIELDS.forEach((field, i) => {
      const want = values[i];
      const have = rule[field];
      if (want === undefined || want === '-' || have === undefined || have === '') return;
      if (String(have) !== want) {
        paramError({ [field]: `parameter '${field}' already define in macro (value = '${want}')` });
      }
    });
  }
}

/**
 * The rules a macro expands to for one IP version, as `"proto dport [sport]"` templates (`-` for
 * none); `[]` for a macro of the other version only, undefined for an unknown macro.
 */
export function macroTemplates(name: string, ipversion: 4 | 6): readonly string[] | undefined {
  const macro = MACROS[preferredMacroName(name) ?? ''];
  if (!macro) return undefined;
  if (macro.only && macro.only !== ipversion) return [];
  return ipversion === 6 && macro.v6 ? macro.v6 : macro.rules;
}
