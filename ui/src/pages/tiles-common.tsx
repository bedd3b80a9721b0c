/**
 * What the «state now» pages of the installations (Ошибки БД, Время внутри файла SYSINFO) share: a row
 * of stat tiles that filter the table below them (the chosen tile kept in the URL), and the table's
 * columns about the installation (client, host, managers) and its report times.
 */
import { Panel } from '../components/Panel';
import { StatTiles, type StatTile } from '../components/StatTiles';
import type { Column } from '../components/TablePanel';
import { tx } from '../i18n';
import type { DashboardState } from '../lib/dashboard';
import { fmtDateTime, fmtNum } from '../lib/format';
import { joinManagers } from './analytics-common';
import { ClientLink } from './BillingStats';

export interface TileFilter {
  /** The chosen tile's key, or null for all rows. */
  chosen: string | null;
  /** Chooses a tile, or (a second click, or null) goes back to all rows. */
  pick(key: string | null): void;
  /** A tile's number, or «…» while the first answer is loading. */
  shown(v: number): string;
}

/** The tile choice kept in the URL parameter `param`; `loaded` once the page has data. */
export function useTileFilter(state: DashboardState, param: string, loaded: boolean): TileFilter {
  const chosen = state.extra(param);
  return {
    chosen,
    pick: (key) => state.setExtra(param, chosen === key ? null : key),
    shown: loaded ? (v) => fmtNum(v) : () => '…',
  };
}

/** A full-width panel holding only the tiles. */
export function TilesPanel(props: {
  id: string;
  title: string;
  description: string;
  /** The tiles' accessible name. */
  label: string;
  tiles: StatTile[];
}) {
  return (
    <Panel id={props.id} title={props.title} description={props.description} span="full" height="auto">
      <StatTiles tiles={props.tiles} label={props.label} />
    </Panel>
  );
}

interface InstallationRow {
  clientId: number;
  /** The client's short name in SMART. */
  client: string;
  /** The legal name from the newest sysinfo, when known. */
  clientName: string | null;
  host: string;
  managers: readonly string[];
}

/** «Клиент»: the short name linking to the client's page, the legal name on hover. */
export function clientColumn<R extends InstallationRow>(): Column<R> {
  return {
    key: 'client',
    title: tx('Клиент', 'Client'),
    value: (r) => r.client,
    render: (r) => <ClientLink id={r.clientId} name={r.client} />,
    titleOf: (r) => r.clientName ?? r.client,
  };
}

export function hostColumn<R extends InstallationRow>(): Column<R> {
  return { key: 'host', title: 'host', value: (r) => r.host };
}

export function managerColumn<R extends InstallationRow>(): Column<R> {
  return { key: 'manager', title: tx('Менеджер', 'Manager'), value: (r) => joinManagers(r.managers) };
}

/** A moment shown and exported as a local date and time; a text filter on it makes no sense. */
export function timeColumn<R>(key: string, title: string, at: (r: R) => number | null): Column<R> {
  return {
    key,
    title,
    value: at,
    render: (r) => fmtDateTime(at(r)),
    csv: (r) => fmtDateTime(at(r)),
    filter: false,
  };
}
