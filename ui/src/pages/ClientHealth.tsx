/**
 * «Здоровье клиентов» (issue 8; docs/health.md): every visible client's score 0–100 on the latest
 * computed day, coloured by band, with the week's trend, the detected usage profile (and, for an
 * episodic client, whether this is a quiet month and when it is expected to work again) and the sales
 * signals. Choosing a client draws its score history. Filters: band, profile, signal.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import type { HealthHistory, HealthItem, HealthList } from '../../../src/health/contract';
import { apiGet } from '../api';
import { Panel } from '../components/Panel';
import { TablePanel, type CellColor, type Column } from '../components/TablePanel';
import { TimeSeriesPanel } from '../components/TimeSeriesPanel';
import { tx } from '../i18n';
import { fmtNum } from '../lib/format';
import { ClientLink } from './BillingStats';

const BANDS = ['healthy', 'watch', 'risk', 'critical', 'nodata'] as const;
const PROFILES = [
  'regular',
  'episodic-quarterly',
  'episodic-half-yearly',
  'idle',
  'sharing',
  'irregular',
  'new',
] as const;
const SIGNALS = ['band-change', 'early-exhaustion', 'upsell', 'churn', 'profile-change'] as const;

export function bandTitle(b: string): string {
  switch (b) {
    case 'healthy':
      return tx('В норме', 'Healthy');
    case 'watch':
      return tx('Внимание', 'Watch');
    case 'risk':
      return tx('Риск', 'At risk');
    case 'critical':
      return tx('Критично', 'Critical');
    default:
      return tx('Нет данных', 'No data');
  }
}

const BAND_COLOR: Record<string, CellColor> = {
  healthy: 'green',
  watch: 'yellow',
  risk: 'red',
  critical: 'red',
  nodata: 'grey',
};

export function profileTitle(p: string): string {
  switch (p) {
    case 'regular':
      return tx('Регулярный', 'Regular');
    case 'episodic-quarterly':
      return tx('Эпизодический (раз в квартал)', 'Episodic (quarterly)');
    case 'episodic-half-yearly':
      return tx('Эпизодический (раз в полгода)', 'Episodic (half-yearly)');
    case 'idle':
      return tx('Не пользуется', 'Idle');
    case 'sharing':
      return tx('Общий доступ (лимиты кончаются рано)', 'Sharing (limits run out early)');
    case 'irregular':
      return tx('Нерегулярный', 'Irregular');
    default:
      return tx('Мало истории', 'Too little history');
  }
}

function signalTitle(s: string): string {
  switch (s) {
    case 'band-change':
      return tx('Смена оценки', 'Band change');
    case 'early-exhaustion':
      return tx('Раннее исчерпание', 'Early exhaustion');
    case 'upsell':
      return tx('Допродажа', 'Upsell');
    case 'churn':
      return tx('Риск ухода', 'Churn risk');
    default:
      return tx('Смена профиля', 'Profile change');
  }
}

function profileCell(r: HealthItem): string {
  const q = r.profileDetail.quietNow;
  const base = profileTitle(r.profile);
  if (!q) return base;
  return q.quiet
    ? tx('{p}: затишье до {m}', '{p}: quiet until {m}', { p: base, m: q.nextActive })
    : tx('{p}: активный месяц', '{p}: active month', { p: base });
}

/** One filter of the page: its options, how each is named, and the chosen one ('' for all). */
interface Choice<T extends string> {
  options: readonly T[];
  title: (v: T) => string;
  value: T | '';
  set: (v: T | '') => void;
}

function useChoice<T extends string>(options: readonly T[], title: (v: T) => string): Choice<T> {
  const [value, set] = useState<T | ''>('');
  return { options, title, value, set };
}

function Select<T extends string>({ label, choice }: { label: string; choice: Choice<T> }) {
  return (
    <label className="variable">
      <span className="variable-label">{label}</span>
      <select
        className="variable-value"
        value={choice.value}
        onChange={(e) => choice.set(e.target.value as T | '')}
      >
        <option value="">{tx('Все', 'All')}</option>
        {choice.options.map((o) => (
          <option key={o} value={o}>
            {choice.title(o)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ClientHealthPage() {
  const band = useChoice(BANDS, bandTitle);
  const profile = useChoice(PROFILES, profileTitle);
  const signal = useChoice(SIGNALS, signalTitle);
  const [selected, setSelected] = useState<number | null>(null);
  useEffect(() => {
    document.title = `${tx('Здоровье клиентов', 'Client health')} · SMART`;
  }, []);
  const list = useQuery({
    queryKey: ['client-health', band.value, profile.value, signal.value],
    queryFn: ({ signal: abort }) =>
      apiGet<HealthList>(
        '/api/client-health',
        {
          band: band.value || undefined,
          profile: profile.value || undefined,
          signal: signal.value || undefined,
        },
        abort,
      ),
  });
  const items = useMemo(() => list.data?.items ?? [], [list.data]);
  const current = selected ?? items[0]?.clientId ?? null;
  const history = useQuery({
    queryKey: ['client-health-history', current],
    enabled: current !== null,
    queryFn: ({ signal: abort }) =>
      apiGet<HealthHistory>(`/api/client-health/${current}/history`, { days: 180 }, abort),
  });

  const columns: Column<HealthItem>[] = [
    {
      key: 'client',
      title: tx('Клиент', 'Client'),
      value: (r) => r.client,
      render: (r) => <ClientLink id={r.clientId} name={r.client} />,
    },
    {
      key: 'score',
      title: tx('Оценка', 'Score'),
      value: (r) => r.score,
      render: (r) => (r.score === null ? '—' : fmtNum(r.score)),
      numeric: true,
      color: (_v, r) => BAND_COLOR[r.band] ?? null,
      width: 80,
    },
    {
      key: 'band',
      title: tx('Уровень', 'Band'),
      value: (r) => bandTitle(r.band),
      color: (_v, r) => BAND_COLOR[r.band] ?? null,
      width: 110,
    },
    {
      key: 'trend',
      title: tx('За неделю', 'Week'),
      value: (r) => r.trend,
      numeric: true,
      render: (r) => (r.trend === null ? '—' : `${r.trend > 0 ? '+' : ''}${fmtNum(r.trend)}`),
      color: (v) => (typeof v === 'number' ? (v <= -10 ? 'red' : v >= 10 ? 'green' : null) : null),
      width: 90,
    },
    { key: 'profile', title: tx('Профиль', 'Profile'), value: profileCell },
    {
      key: 'signals',
      title: tx('Сигналы', 'Signals'),
      value: (r) => r.signals.map((s) => s.text).join('; '),
      render: (r) =>
        r.signals.length === 0 ? (
          '—'
        ) : (
          <span title={r.signals.map((s) => s.text).join('\n')}>
            {r.signals.map((s) => signalTitle(s.kind)).join(', ')}
          </span>
        ),
    },
    { key: 'managers', title: tx('Менеджеры', 'Managers'), value: (r) => r.managers.join(', ') },
  ];

  const chosen = items.find((i) => i.clientId === current);
  const points = history.data?.points ?? [];
  const chart =
    history.data && points.length > 0
      ? {
          step: 86_400_000,
          timestamps: points.map((p) => p.ts),
          series: [
            {
              key: `c:${history.data.clientId}`,
              label: history.data.client,
              clientId: history.data.clientId,
              values: points.map((p) => p.score),
            },
          ],
          total: 1,
        }
      : undefined;

  return (
    <div className="page">
      <div className="dash-head">
        <h1 className="dash-title">{tx('Здоровье клиентов', 'Client health')}</h1>
      </div>
      <div className="variables" role="toolbar">
        <Select label={tx('Уровень', 'Band')} choice={band} />
        <Select label={tx('Профиль', 'Profile')} choice={profile} />
        <Select label={tx('Сигнал', 'Signal')} choice={signal} />
      </div>
      <div className="grid">
        <TablePanel
          id="health"
          title={tx('Оценка клиентов', 'Client scores')}
          description={tx(
            'Оценка 0–100 из активности, вовлечённости, использования лимита документов, доли пустых поисков, истории исчерпания, открытых инцидентов и свежести данных. Сначала худшие. Строка выбирает клиента для графика.',
            'A 0–100 score from activity, involvement, document-limit use, empty-search share, exhaustion history, open incidents and data freshness. Worst first. A row picks the client for the chart.',
          )}
          rows={items}
          columns={columns}
          rowKey={(r) => r.clientId}
          csvName="client-health"
          status={{ loading: list.isLoading, error: list.error, onRetry: () => void list.refetch() }}
          emptyText={tx(
            'Оценок ещё нет: они считаются раз в сутки (или «пересчитать» в API).',
            'No scores yet: they are computed daily (or via the API’s recompute).',
          )}
          tools={
            items.length > 0 ? (
              <select
                aria-label={tx('Клиент для графика', 'Client for the chart')}
                value={current ?? ''}
                onChange={(e) => setSelected(Number(e.target.value))}
              >
                {items.map((i) => (
                  <option key={i.clientId} value={i.clientId}>
                    {i.client}
                  </option>
                ))}
              </select>
            ) : undefined
          }
        />
        <TimeSeriesPanel
          id="health-history"
          title={
            chosen
              ? tx('Оценка: {c}', 'Score: {c}', { c: chosen.client })
              : tx('История оценки', 'Score history')
          }
          data={chart}
          loading={history.isLoading}
          error={history.error}
          onRetry={() => void history.refetch()}
          emptyText={tx('Нет сохранённых дней', 'No stored days')}
          legend={['min', 'max', 'last']}
          draw="step"
          yMin={0}
          yMax={100}
          bands={[
            { from: 0, to: 25, color: 'red' },
            { from: 25, to: 50, color: 'yellow' },
            { from: 75, to: 100, color: 'green' },
          ]}
          span="half"
        />
        {chosen && (
          <Panel id="health-measures" title={tx('Из чего оценка', 'What the score is made of')} height="auto">
            <table className="data-table">
              <tbody>
                {(
                  [
                    ['activity', tx('Активность', 'Activity')],
                    ['involvement', tx('Вовлечённость', 'Involvement')],
                    ['docLimitUse', tx('Лимит документов', 'Document limit')],
                    ['emptySearch', tx('Пустые поиски', 'Empty searches')],
                    ['exhaustion', tx('Исчерпание лимитов', 'Limit exhaustion')],
                    ['incidents', tx('Открытые инциденты', 'Open incidents')],
                    ['freshness', tx('Свежесть данных', 'Data freshness')],
                  ] as const
                ).map(([k, title]) => {
                  const v = chosen.measures[k];
                  return (
                    <tr key={k}>
                      <th>{title}</th>
                      <td>{v === null ? tx('нет данных', 'no data') : `${fmtNum(Math.round(v * 100))} %`}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </Panel>
        )}
      </div>
    </div>
  );
}
