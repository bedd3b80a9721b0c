/**
 * The application shell: the left navigation (dashboards, clients, administration), the top bar with
 * the language switch and the user menu, and the content. Kiosk modes (?kiosk=…) hide the shell.
 */
import { useState, type ReactNode } from 'react';
import { NavLink, useLocation, useSearchParams } from 'react-router-dom';
import type { Me } from '../api';
import { canAdmin, useLogout } from '../auth';
import { t, useLang, type Key } from '../i18n';
import { Icon, type IconName } from './icons';
import { Menu } from './Popover';

interface NavEntry {
  to: string;
  key: Key;
  icon: IconName;
}

export const DASHBOARD_NAV: NavEntry[] = [
  { to: '/d/kodeks-analytics', key: 'dash.kodeksAnalytics', icon: 'chart' },
  { to: '/d/server-metrics', key: 'dash.serverMetrics', icon: 'server' },
  { to: '/d/availability', key: 'dash.availability', icon: 'pulse' },
  { to: '/d/availability-online', key: 'dash.availabilityOnline', icon: 'cloud' },
  { to: '/d/billing-stats', key: 'dash.billingStats', icon: 'card' },
  { to: '/d/emergencies', key: 'dash.emergencies', icon: 'alert' },
  { to: '/d/db-errors', key: 'dash.dbErrors', icon: 'alert' },
  { to: '/d/versions', key: 'dash.versions', icon: 'check' },
  { to: '/d/sysinfo-time', key: 'dash.sysinfoTime', icon: 'clock' },
  { to: '/d/user-cards', key: 'dash.userCards', icon: 'user' },
  { to: '/d/connected-users', key: 'dash.connectedUsers', icon: 'users' },
  { to: '/d/search-queries', key: 'dash.searchQueries', icon: 'search' },
  { to: '/d/ad-stats', key: 'dash.adStats', icon: 'users' },
  { to: '/d/kassist-analytics', key: 'dash.kassistAnalytics', icon: 'link' },
  { to: '/d/for-managers', key: 'dash.forManagers', icon: 'chart' },
  { to: '/d/search-time', key: 'dash.searchTime', icon: 'clock' },
  { to: '/d/billing-analytics', key: 'dash.billingAnalytics', icon: 'card' },
  { to: '/d/online-search-queries', key: 'dash.onlineSearch', icon: 'search' },
  { to: '/d/quarterly', key: 'dash.quarterly', icon: 'chart' },
  { to: '/d/renewal', key: 'dash.renewal', icon: 'card' },
  { to: '/d/renewal-online', key: 'dash.renewalOnline', icon: 'card' },
  { to: '/d/asrp', key: 'dash.asrp', icon: 'check' },
  { to: '/d/client-health', key: 'dash.clientHealth', icon: 'pulse' },
];

const COLLAPSE_KEY = 'smart.nav.collapsed';

function scopeText(me: Me): string {
  switch (me.scope.kind) {
    case 'all':
      return t('scope.all');
    case 'dealer':
      return t('scope.dealer');
    case 'unit':
      return t('scope.unit', { name: me.scope.unit?.path ?? me.scope.unit?.name ?? '' });
    default:
      return t('scope.manager');
  }
}

export function Layout({ me, children }: { me: Me; children: ReactNode }) {
  const [sp] = useSearchParams();
  const location = useLocation();
  const kiosk = sp.get('kiosk');
  const [lang, setLang] = useLang();
  const logout = useLogout();
  const [collapsed, setCollapsed] = useState(() => {
    try {
      return localStorage.getItem(COLLAPSE_KEY) === '1';
    } catch {
      return false;
    }
  });
  const toggle = () => {
    setCollapsed((c) => {
      try {
        localStorage.setItem(COLLAPSE_KEY, c ? '0' : '1');
      } catch {
        // not kept
      }
      return !c;
    });
  };
  const inKiosk = kiosk === 'full' || kiosk === 'title' || kiosk === 'min';
  const role = me.role;

  return (
    <div className={`app${inKiosk ? ` kiosk kiosk-${kiosk}` : ''}${collapsed ? ' nav-collapsed' : ''}`}>
      <a className="skip-link" href="#content">
        {t('nav.main')} →
      </a>
      {!inKiosk && (
        <aside className="sidebar" aria-label={t('nav.main')}>
          <NavLink to="/d/kodeks-analytics" className="brand" title={t('nav.home')}>
            <span className="brand-mark" aria-hidden="true" />
            <span className="brand-text">
              <strong>SMART</strong>
              <small>{me.dealer?.name ?? t('appTagline')}</small>
            </span>
          </NavLink>
          <nav>
            <h2 className="nav-heading">{t('nav.dashboards')}</h2>
            <ul>
              {DASHBOARD_NAV.map((n) => (
                <li key={n.to}>
                  <NavLink to={n.to} className="nav-link" title={t(n.key)}>
                    <Icon name={n.icon} size={18} />
                    <span className="nav-text">{t(n.key)}</span>
                  </NavLink>
                </li>
              ))}
            </ul>
            <ul className="nav-secondary">
              <li>
                <NavLink
                  to="/clients"
                  className={({ isActive }) =>
                    `nav-link${isActive || location.pathname.startsWith('/clients') ? ' active' : ''}`
                  }
                  title={t('nav.clients')}
                >
                  <Icon name="users" size={18} />
                  <span className="nav-text">{t('nav.clients')}</span>
                </NavLink>
              </li>
              {canAdmin(role) && (
                <li>
                  <NavLink to="/admin" className="nav-link" title={t('nav.admin')}>
                    <Icon name="gear" size={18} />
                    <span className="nav-text">{t('nav.admin')}</span>
                  </NavLink>
                </li>
              )}
            </ul>
          </nav>
          <button
            type="button"
            className="btn btn-ghost nav-toggle"
            onClick={toggle}
            aria-label={collapsed ? t('nav.expand') : t('nav.collapse')}
            aria-expanded={!collapsed}
            title={collapsed ? t('nav.expand') : t('nav.collapse')}
          >
            <Icon name={collapsed ? 'right' : 'left'} />
          </button>
        </aside>
      )}
      <div className="main">
        {!inKiosk && (
          <header className="topbar">
            <div className="topbar-spacer" />
            <div className="lang-switch" role="group" aria-label={t('lang.switch')}>
              {(['ru', 'en'] as const).map((l) => (
                <button
                  key={l}
                  type="button"
                  className={lang === l ? 'active' : ''}
                  aria-pressed={lang === l}
                  onClick={() => setLang(l)}
                  lang={l}
                >
                  {l.toUpperCase()}
                </button>
              ))}
            </div>
            <Menu
              label={t('user.menu')}
              align="right"
              className="user-menu"
              buttonContent={
                <>
                  <span className="avatar" aria-hidden="true">
                    {(me.user.displayName || me.user.login).slice(0, 1).toUpperCase()}
                  </span>
                  <span className="user-text">
                    <strong>{me.user.login}</strong>
                    <small>{t(`role.${role}`)}</small>
                  </span>
                  <Icon name="down" size={14} />
                </>
              }
              header={
                <div className="user-card" role="presentation">
                  <strong>{me.user.displayName || me.user.login}</strong>
                  <dl>
                    <dt>{t('user.role')}</dt>
                    <dd>{t(`role.${role}`)}</dd>
                    {me.dealer && (
                      <>
                        <dt>{t('user.dealer')}</dt>
                        <dd>{me.dealer.name}</dd>
                      </>
                    )}
                    <dt>{t('user.scope')}</dt>
                    <dd>{scopeText(me)}</dd>
                  </dl>
                </div>
              }
              items={[{ label: t('user.logout'), icon: 'logout', onSelect: () => void logout() }]}
            />
          </header>
        )}
        <main id="content" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}
