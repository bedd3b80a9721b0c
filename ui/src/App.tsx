/**
 * Routes: the dashboards under /d/<id> (the home is «Kodeks аналитика»), the clients, and /admin/*
 * for the administration pages (operator, dealer-admin and head). Everything needs a login.
 */
import { lazy, Suspense, useEffect } from 'react';
import { Link, Navigate, Route, Routes } from 'react-router-dom';
import { useQueryClient } from '@tanstack/react-query';
import { onUnauthorized } from './api';
import { canAdmin, LoginPage, ME_KEY, useMe } from './auth';
import { Layout } from './components/Layout';
import { errorText } from './components/Panel';
import { t, useLang } from './i18n';
import { AvailabilityOnlinePage, AvailabilityPage } from './pages/Availability';
import { BillingStatsPage } from './pages/BillingStats';
import { ClientPage, ClientsPage } from './pages/Clients';
import { EmergenciesPage } from './pages/Emergencies';
import { KodeksAnalyticsPage } from './pages/KodeksAnalytics';
import { ServerMetricsPage } from './pages/ServerMetrics';
import { DbErrorsPage } from './pages/DbErrors';
import { VersionsPage } from './pages/Versions';
import { SysinfoTimePage } from './pages/SysinfoTime';
import { UserCardsPage } from './pages/UserCards';
import { ConnectedUsersPage } from './pages/ConnectedUsers';
import { SearchQueriesPage } from './pages/SearchQueries';
import { AdStatsPage } from './pages/AdStats';
import { KassistAnalyticsPage } from './pages/KassistAnalytics';
import { ForManagersPage } from './pages/ForManagers';
import { SearchTimePage } from './pages/SearchTime';
import { BillingAnalyticsPage } from './pages/BillingAnalytics';
import { OnlineSearchPage } from './pages/OnlineSearch';
import { QuarterlyPage } from './pages/Quarterly';
import { RenewalPage } from './pages/Renewal';
import { RenewalOnlinePage } from './pages/RenewalOnline';
import { AsrpPage } from './pages/Asrp';
import { ClientHealthPage } from './pages/ClientHealth';

const AdminApp = lazy(() => import('./admin/AdminApp'));

export function App() {
  const [lang] = useLang();
  const me = useMe();
  const qc = useQueryClient();
  useEffect(() => onUnauthorized(() => qc.setQueryData(ME_KEY, null)), [qc]);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  if (me.isLoading)
    return (
      <div className="splash" role="status">
        <span className="spinner" aria-hidden="true" /> {t('common.loading')}
      </div>
    );
  if (me.error)
    return (
      <div className="splash" role="alert">
        {t('common.errorLoad', { message: errorText(me.error) })}
        <button type="button" className="btn" onClick={() => void me.refetch()}>
          {t('common.retry')}
        </button>
      </div>
    );
  if (!me.data) return <LoginPage />;

  return (
    <Layout me={me.data}>
      <Routes>
        <Route path="/" element={<Navigate to="/d/kodeks-analytics" replace />} />
        <Route path="/d/kodeks-analytics" element={<KodeksAnalyticsPage />} />
        <Route path="/d/server-metrics" element={<ServerMetricsPage />} />
        <Route path="/d/availability" element={<AvailabilityPage />} />
        <Route path="/d/availability-online" element={<AvailabilityOnlinePage />} />
        <Route path="/d/billing-stats" element={<BillingStatsPage />} />
        <Route path="/d/emergencies" element={<EmergenciesPage />} />
        <Route path="/d/db-errors" element={<DbErrorsPage />} />
        <Route path="/d/versions" element={<VersionsPage />} />
        <Route path="/d/sysinfo-time" element={<SysinfoTimePage />} />
        <Route path="/d/user-cards" element={<UserCardsPage />} />
        <Route path="/d/connected-users" element={<ConnectedUsersPage />} />
        <Route path="/d/search-queries" element={<SearchQueriesPage />} />
        <Route path="/d/ad-stats" element={<AdStatsPage />} />
        <Route path="/d/kassist-analytics" element={<KassistAnalyticsPage />} />
        <Route path="/d/for-managers" element={<ForManagersPage />} />
        <Route path="/d/search-time" element={<SearchTimePage />} />
        <Route path="/d/billing-analytics" element={<BillingAnalyticsPage />} />
        <Route path="/d/online-search-queries" element={<OnlineSearchPage />} />
        <Route path="/d/quarterly" element={<QuarterlyPage />} />
        <Route path="/d/renewal" element={<RenewalPage />} />
        <Route path="/d/renewal-online" element={<RenewalOnlinePage />} />
        <Route path="/d/asrp" element={<AsrpPage />} />
        <Route path="/d/client-health" element={<ClientHealthPage />} />
        <Route path="/clients" element={<ClientsPage />} />
        <Route path="/clients/:id" element={<ClientPage />} />
        <Route
          path="/admin/*"
          element={
            canAdmin(me.data.role) ? (
              <Suspense
                fallback={
                  <div className="splash" role="status">
                    <span className="spinner" aria-hidden="true" />
                  </div>
                }
              >
                <AdminApp />
              </Suspense>
            ) : (
              <NotFound />
            )
          }
        />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Layout>
  );
}

function NotFound() {
  return (
    <div className="page not-found">
      <h1 className="dash-title">{t('common.notFound')}</h1>
      <Link to="/" className="btn">
        {t('common.toHome')}
      </Link>
    </div>
  );
}
