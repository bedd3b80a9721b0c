/**
 * What the «state now» pages of the installations (Ошибки БД, Время внутри файла SYSINFO, Загрузка
 * sysinfo в АСРП) share: a row of stat tiles that filter the table below them (the chosen tile kept in
 * the URL), and the table's columns about the installation (client, host, managers) and its report times.
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

/**
 * A tile that chooses `key` in the filter (null: the way back to all rows), showing the number `n`.
 * `tile` is the rest: label, colour, hint.
 */
export function filterTile(
  filter: TileFilter,
  key: string | null,
  n: number,
  tile: Omit<StatTile, 'key' | 'value' | 'onClick' | 'pressed'>,
): StatTile {
  return {
    key: key ?? 'all',
    ...tile,
    value: filter.shown(n),
    onClick: () => filter.pick(key),
    pressed: filter.chosen === key,
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

/** «Клиент» as the short name linking to the client's page, for rows that know no legal name. */
export function clientLinkColumn<R extends Pick<InstallationRow, 'clientId' | 'client'>>(): Column<R> {
  return {
    key: 'client',
    title: tx('Клиент', 'Client'),
    value: (r) => r.client,
    render: (r) => <ClientLink id={r.clientId} name={r.client} />,
  };
}

/** «Клиент»: the short name linking to the client's page, the legal name on hover. */
export function clientColumn<R extends InstallationRow>(): Column<R> {
  return { ...clientLinkColumn<R>(), titleOf: (r) => r.clientName ?? r.client };
}

export function hostColumn<R extends Pick<InstallationRow, 'host'>>(): Column<R> {
  return { key: 'host', title: 'host', value: (r) => r.host };
}

export function managerColumn<R extends InstallationRow>(): Column<R> {
  return { key: 'manager', title: tx('Менеджер', 'Manager'), value: (r) => joinManagers(r.managers) };
}

/** TablePanel's props for a table of installations: one row each, a row opening its client's page. */
export const installationRows = {
  rowKey: (r: { installationId: number }) => r.installationId,
  rowLink: (r: { clientId: number }) => `/clients/${r.clientId}`,
};

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
