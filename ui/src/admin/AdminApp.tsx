/**
 * The administration pages (/admin/*), for the operator, dealer admins and heads: a left
 * sub-navigation and one page per area. App.tsx loads this module lazily (its own chunk) and shows it
 * only to roles that may administer; every API it calls is scoped by the server, which also enforces
 * every permission (the pages only hide or disable what would be refused, and say why).
 *
 * Areas: org units (tree), users, managers, clients, installations (with their agent tokens), online
 * accesses, CSV import (with a preview) and export, the alert catalogue with the dealer's alert
 * settings, alert routing (channels, rules, preview), silences, maintenance windows, upload tokens,
 * ingestion health, the delivery log, and (operator only) the cluster's nodes and periodic work.
 */
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState, type KeyboardEvent } from 'react';
import { Navigate, NavLink, Route, Routes } from 'react-router-dom';
import { apiGet } from '../api';
import { useMe } from '../auth';
import { t, useLang } from '../i18n';
import './admin.css';
import { AdminContext, type AdminCtx } from './common';
import { Alerts } from './pages/Alerts';
import { ClientsAdmin } from './pages/Clients';
import { Cluster } from './pages/Cluster';
import { DeliveryLog } from './pages/DeliveryLog';
import { ImportPage } from './pages/Import';
import { Ingest } from './pages/Ingest';
import { AgentPage, Installations } from './pages/Installations';
import { Maintenance } from './pages/Maintenance';
import { Managers } from './pages/Managers';
import { OnlineAccesses } from './pages/OnlineAccesses';
import { Routing } from './pages/Routing';
import { Silences } from './pages/Silences';
import { Units } from './pages/Units';
import { UploadTokens } from './pages/UploadTokens';
import { Users } from './pages/Users';
import { L, tx } from './texts';
import type { Dealer } from './types';

interface NavItem {
  to: string;
  label: () => string;
}

const SECTIONS: { title: () => string; items: NavItem[]; operatorOnly?: boolean }[] = [
  {
    title: () => tx('Организация', 'Organisation'),
    items: [
      { to: 'units', label: () => tx('Подразделения', 'Org units') },
      { to: 'users', label: () => tx('Пользователи', 'Users') },
      { to: 'managers', label: () => tx('Менеджеры', 'Managers') },
    ],
  },
  {
    title: () => tx('Инвентарь', 'Inventory'),
    items: [
      { to: 'clients', label: () => tx('Клиенты', 'Clients') },
      { to: 'installations', label: () => tx('Инсталляции', 'Installations') },
      { to: 'online', label: () => tx('Онлайн-доступы', 'Online accesses') },
      { to: 'import', label: () => tx('Импорт и экспорт CSV', 'CSV import and export') },
    ],
  },
  {
    title: () => tx('Оповещения', 'Notifications'),
    items: [
      { to: 'alerts', label: L.alerts },
      { to: 'routing', label: () => tx('Маршрутизация', 'Routing') },
      { to: 'silences', label: () => tx('Заглушения', 'Silences') },
      { to: 'maintenance', label: () => tx('Окна обслуживания', 'Maintenance windows') },
      { to: 'notifications', label: () => tx('Журнал отправки', 'Delivery log') },
    ],
  },
  {
    title: () => tx('Сбор данных', 'Data collection'),
    items: [
      { to: 'upload-tokens', label: () => tx('Токены загрузки', 'Upload tokens') },
      { to: 'ingest', label: () => tx('Состояние приёма', 'Ingestion health') },
    ],
  },
  {
    title: () => tx('Система', 'System'),
    operatorOnly: true,
    items: [{ to: 'cluster', label: () => tx('Кластер', 'Cluster') }],
  },
];

/** Up/Down/Home/End move between the links of the sub-navigation. */
function navKeys(e: KeyboardEvent<HTMLElement>) {
  const links = Array.from(e.currentTarget.querySelectorAll<HTMLElement>('a.admin-nav-link'));
  const i = links.indexOf(document.activeElement as HTMLElement);
  let next = -1;
  if (e.key === 'ArrowDown') next = (i + 1) % links.length;
  else if (e.key === 'ArrowUp') next = (i - 1 + links.length) % links.length;
  else if (e.key === 'Home') next = 0;
  else if (e.key === 'End') next = links.length - 1;
  if (next >= 0) {
    e.preventDefault();
    links[next]?.focus();
  }
}

function DealerPicker({ value, onChange }: { value: number | null; onChange(id: number | null): void }) {
  const dealers = useQuery({
    queryKey: ['admin', 'dealers'],
    queryFn: ({ signal }) => apiGet<Dealer[]>('/api/dealers', undefined, signal),
  });
  return (
    <label className="admin-dealer">
      <span>{tx('Дилер', 'Dealer')}</span>
      <select
        value={value ?? ''}
        onChange={(e) => onChange(e.target.value ? Number(e.target.value) : null)}
        data-testid="admin-dealer"
      >
        <option value="">{tx('— все дилеры —', '— all dealers —')}</option>
        {(dealers.data ?? []).map((d) => (
          <option key={d.id} value={d.id}>
            {d.name} ({d.code})
          </option>
        ))}
      </select>
    </label>
  );
}

export function AdminApp() {
  useLang();
  const me = useMe().data;
  const [picked, setPicked] = useState<number | null>(null);
  const ctx = useMemo<AdminCtx | null>(() => {
    if (!me) return null;
    const isOperator = me.role === 'operator';
    return {
      me,
      dealerId: isOperator ? picked : (me.dealer?.id ?? me.scope.dealerId),
      setDealerId: setPicked,
      isOperator,
      isDealerAdmin: isOperator || me.role === 'dealer-admin',
      canWrite: isOperator || me.role === 'dealer-admin' || me.role === 'head',
      ownUnitId: me.scope.kind === 'unit' ? (me.scope.unit?.id ?? null) : null,
    };
  }, [me, picked]);
  if (!ctx) return null;

  return (
    <AdminContext.Provider value={ctx}>
      <div className="admin" data-testid="admin">
        <nav className="admin-nav" aria-label={t('admin.title')} onKeyDown={navKeys}>
          <h2 className="admin-nav-title">{t('admin.title')}</h2>
          {ctx.isOperator && <DealerPicker value={picked} onChange={setPicked} />}
          {SECTIONS.filter((s) => !s.operatorOnly || ctx.isOperator).map((s) => (
            <div key={s.title()} className="admin-nav-section">
              <h3>{s.title()}</h3>
              <ul>
                {s.items.map((it) => (
                  <li key={it.to}>
                    <NavLink
                      to={`/admin/${it.to}`}
                      className="admin-nav-link"
                      data-testid={`admin-nav-${it.to}`}
                    >
                      {it.label()}
                    </NavLink>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </nav>
        <div className="admin-main">
          <Routes>
            <Route index element={<Navigate to="/admin/units" replace />} />
            <Route path="units" element={<Units />} />
            <Route path="users" element={<Users />} />
            <Route path="managers" element={<Managers />} />
            <Route path="clients" element={<ClientsAdmin />} />
            <Route path="installations" element={<Installations />} />
            <Route path="installations/:id/agent" element={<AgentPage />} />
            <Route path="online" element={<OnlineAccesses />} />
            <Route path="import" element={<ImportPage />} />
            <Route path="alerts" element={<Alerts />} />
            <Route path="routing" element={<Routing />} />
            <Route path="silences" element={<Silences />} />
            <Route path="maintenance" element={<Maintenance />} />
            <Route path="notifications" element={<DeliveryLog />} />
            <Route path="upload-tokens" element={<UploadTokens />} />
            <Route path="ingest" element={<Ingest />} />
            <Route path="cluster" element={<Cluster />} />
            <Route
              path="*"
              element={
                <div className="page">
                  <h1 className="dash-title">{t('common.notFound')}</h1>
                </div>
              }
            />
          </Routes>
        </div>
      </div>
    </AdminContext.Provider>
  );
}

export default AdminApp;
