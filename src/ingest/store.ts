import type { AppContext } from '../context.js';
import { withTx } from '../db/tx.js';
import { writeSamples, type Labels, type SampleInput } from '../metrics/series.js';
import { UNDEFINED_DOMAIN, type Snapshot } from './parse/snapshot.js';
import { addSearches, localDayOf, markReported, refreshUsageDays } from './usage-rollup.js';
import { addRefusals } from './refused-daily.js';
import { addUserSearches, refreshUserMonths } from './user-usage-monthly.js';

export interface StoreTarget {
  reportId: number;
  dealerId: number;
  installationId: number;
  /** Used as the sample time when the report carries no time of its own. */
  receivedAt: number;
}

const CHUNK = 500;
const INACTIVE_MS = 60 * 86_400_000;

async function inChunks<T>(rows: T[], insert: (part: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await insert(rows.slice(i, i + CHUNK));
}

/**
 * "Не пользуются системой в течение 60 дней": accounts (not blocked) whose last activity, or registration
 * when they were never active, is 60 days old or more at `at`; unknown dates are not counted. The total,
 * and per AD domain (every domain of the report's users, 0 included).
 */
export function inactiveUsers(s: Snapshot, at: number): { total: number; byDomain: Map<string, number> } {
  const byDomain = new Map<string, number>();
  let total = 0;
  for (const u of s.users) {
    if (u.blocked) continue;
    const domain = u.domain || UNDEFINED_DOMAIN;
    if (!byDomain.has(domain)) byDomain.set(domain, 0);
    const last = u.lastActivityAt ?? u.registeredAt;
    if (last !== null && at - last >= INACTIVE_MS) {
      byDomain.set(domain, byDomain.get(domain)! + 1);
      total += 1;
    }
  }
  return { total, byDomain };
}

/** The card fields a complete user card has filled (as «Карточки пользователей» counts them). */
const CARD_FIELDS = ['fullname', 'phone', 'email', 'position', 'department'] as const;

/**
 * «Процент заполненных карточек заходивших в систему пользователей»: of the accounts that have logged in
 * (a last activity is known) and are not blocked, the share whose five card fields are all filled;
 * null when there is no such account.
 */
export function userCardsFilledPct(s: Snapshot): number | null {
  const users = s.users.filter((u) => !u.blocked && u.lastActivityAt !== null);
  if (users.length === 0) return null;
  const full = users.filter((u) => CARD_FIELDS.every((f) => (u[f] ?? '').trim() !== '')).length;
  return (full / users.length) * 100;
}

/** The numbers of a report that become time series (the dashboards plot them; rules watch them). */
export function snapshotSamples(s: Snapshot, at: number): SampleInput[] {
  const out: SampleInput[] = [];
  const add = (metric: string, value: number | null | undefined, labels: Labels = {}) => {
    if (value !== null && value !== undefined) out.push({ metric, labels, value });
  };
  add('sysinfo_seats', s.licensing.seats);
  add('sysinfo_licences_in_use', s.licensing.inUse);
  if (s.licensing.seats !== null && s.licensing.inUse !== null)
    add('sysinfo_licences_free', s.licensing.seats - s.licensing.inUse);
  add('sysinfo_sessions', s.sessions.length);
  add('sysinfo_users', s.users.length);
  add('sysinfo_volume_errors', s.volumeErrors.length);
  add('sysinfo_refused_logons', s.refusedLogons.length);
  if (s.licensing.senselock) add('sysinfo_senselock_ok', s.licensing.senselock.status === 'ok' ? 1 : 0);
  const newestOperup = Math.max(...s.operups.map((o) => o.modifiedAt ?? -Infinity));
  if (Number.isFinite(newestOperup))
    add('sysinfo_operup_age_seconds', Math.max(0, (at - newestOperup) / 1000));
  // «Для менеджеров»: the age of each OperUp file, and how complete the cards of logged-in users are.
  for (const o of s.operups)
    if (o.modifiedAt !== null)
      add('sysinfo_operup_file_age_seconds', Math.max(0, (at - o.modifiedAt) / 1000), { path: o.path });
  add('sysinfo_user_cards_filled_pct', userCardsFilledPct(s));
  const inactive = inactiveUsers(s, at);
  add('sysinfo_users_inactive_60d', inactive.total);
  for (const [domain, n] of inactive.byDomain) add('sysinfo_users_inactive_60d', n, { domain });
  for (const l of s.licences) {
    if (l.expiresAt !== null) {
      add('sysinfo_licence_expires_in_days', (l.expiresAt - at) / 86_400_000, {
        db: l.db ?? l.name ?? l.product ?? '',
      });
    }
  }
  return out;
}

/**
 * Stores what one sysinfo report says. Current-state tables (licences, volumes, errors, operups,
 * sessions, ...) are replaced only by a report newer than the one they came from, so a late report
 * cannot roll the state back; event streams and samples are merged either way, without duplicates.
 */
export async function storeSnapshot(ctx: AppContext, target: StoreTarget, s: Snapshot): Promise<void> {
  const inst = target.installationId;
  const at = s.producedAt ?? target.receivedAt;
  await withTx(ctx, async (db) => {
    const t = { ...ctx, db };
    const now = ctx.clock.now();
    const state = await db
      .selectFrom('installation_state')
      .select('report_at')
      .where('installation_id', '=', inst)
      .executeTakeFirst();
    const newer = !state || state.report_at === null || at >= state.report_at;

    if (newer) {
      const row = {
        installation_id: inst,
        report_id: target.reportId,
        report_at: at,
        client_name: s.client.name,
        regnum: s.client.regnum,
        seats: s.licensing.seats,
        licences_in_use: s.licensing.inUse,
        pk_version: s.software.pkVersion,
        pk_version_short: s.software.pkVersionShort,
        sysinfo_version: s.software.sysinfoVersion,
        senselock_status: s.licensing.senselock?.status ?? null,
        senselock_code: s.licensing.senselock?.code ?? null,
        senselock_message: s.licensing.senselock?.message ?? null,
        host_name: s.host.name,
        host_started_at: s.host.startedAt,
        updated_at: now,
        users_inactive_60d: inactiveUsers(s, at).total,
      };
      const { installation_id: _k, ...update } = row;
      await db
        .insertInto('installation_state')
        .values(row)
        .onConflict((oc) => oc.column('installation_id').doUpdateSet(update))
        .execute();

      const replace = async <T extends object>(
        table:
          | 'installation_licences'
          | 'installation_catalogs'
          | 'installation_volumes'
          | 'installation_volume_errors'
          | 'installation_operups'
          | 'installation_sessions',
        rows: T[],
      ) => {
        await db.deleteFrom(table).where('installation_id', '=', inst).execute();
        // The row shapes are built below to match each table exactly.
        await inChunks(rows, (part) =>
          db
            .insertInto(table)
            .values(part as never)
            .execute(),
        );
      };
      await replace(
        'installation_licences',
        s.licences.map((l) => ({
          installation_id: inst,
          product: l.product,
          name: l.name,
          db: l.db,
          valid_from: l.validFrom,
          valid_to_day: l.validToDay,
          expires_at: l.expiresAt,
        })),
      );
      await replace(
        'installation_catalogs',
        s.catalogs.map((c) => ({ installation_id: inst, path: c.path, title: c.title, dbs: c.dbs })),
      );
      await replace(
        'installation_volumes',
        s.volumes.map((v) => ({
          installation_id: inst,
          name: v.name,
          path: v.path,
          catalog: v.catalog,
          update_label: v.update,
        })),
      );
      await replace(
        'installation_volume_errors',
        s.volumeErrors.map((e) => ({
          installation_id: inst,
          volume: e.volume,
          path: e.path,
          catalog: e.catalog,
          code: e.code,
          text: e.text,
        })),
      );
      await replace(
        'installation_operups',
        s.operups.map((o) => ({
          installation_id: inst,
          path: o.path,
          modified_at: o.modifiedAt,
          size_bytes: o.sizeBytes,
        })),
      );
      await replace(
        'installation_sessions',
        s.sessions.map((x) => ({
          installation_id: inst,
          login: x.login,
          logon_at: x.logonAt,
          ip: x.ip,
          browser: x.browser,
          domain: x.domain,
          holds_licence: x.holdsLicence ? 1 : 0,
        })),
      );
    }

    for (const c of s.components) {
      await db
        .insertInto('installation_components')
        .values({
          installation_id: inst,
          type: c.type,
          version: c.version,
          full_version: c.full,
          first_seen_at: at,
          last_seen_at: at,
        })
        .onConflict((oc) =>
          oc
            .columns(['installation_id', 'type', 'version'])
            .doUpdateSet(newer ? { last_seen_at: at, full_version: c.full } : { full_version: c.full }),
        )
        .execute();
    }

    await inChunks(s.users, async (part) => {
      const rows = part.map((u) => ({
        installation_id: inst,
        login: u.login,
        domain: u.domain,
        registered_at: u.registeredAt,
        last_activity_at: u.lastActivityAt,
        fullname: u.fullname,
        phone: u.phone,
        email: u.email,
        position: u.position,
        department: u.department,
        blocked: u.blocked ? 1 : 0,
        last_seen_in_report_at: at,
      }));
      await db
        .insertInto('installation_users')
        .values(rows)
        .onConflict((oc) => {
          const c = oc.columns(['installation_id', 'login']);
          if (!newer) return c.doNothing();
          return c.doUpdateSet((eb) => ({
            domain: eb.ref('excluded.domain'),
            registered_at: eb.ref('excluded.registered_at'),
            last_activity_at: eb.ref('excluded.last_activity_at'),
            fullname: eb.ref('excluded.fullname'),
            phone: eb.ref('excluded.phone'),
            email: eb.ref('excluded.email'),
            position: eb.ref('excluded.position'),
            department: eb.ref('excluded.department'),
            blocked: eb.ref('excluded.blocked'),
            last_seen_in_report_at: eb.ref('excluded.last_seen_in_report_at'),
          }));
        })
        .execute();
    });

    // Counters of a day grow during the day: the newest report's values win.
    await inChunks(s.usage, async (part) => {
      await db
        .insertInto('user_usage_daily')
        .values(
          part.map((u) => ({
            installation_id: inst,
            login: u.login,
            day: u.day,
            db_requests: u.dbRequests,
            docs_counted: u.docsCounted,
            docs_licensed: u.docsLicensed,
            docs_free: u.docsFree,
            saved: u.saved,
            printed: u.printed,
            services: u.services,
            kassist_requests: u.kassistRequests,
          })),
        )
        .onConflict((oc) => {
          const c = oc.columns(['installation_id', 'login', 'day']);
          if (!newer) return c.doNothing();
          return c.doUpdateSet((eb) => ({
            db_requests: eb.ref('excluded.db_requests'),
            docs_counted: eb.ref('excluded.docs_counted'),
            docs_licensed: eb.ref('excluded.docs_licensed'),
            docs_free: eb.ref('excluded.docs_free'),
            saved: eb.ref('excluded.saved'),
            printed: eb.ref('excluded.printed'),
            services: eb.ref('excluded.services'),
            kassist_requests: eb.ref('excluded.kassist_requests'),
          }));
        })
        .execute();
    });
    await refreshUsageDays(
      db,
      inst,
      s.usage.map((u) => u.day),
    );
    await refreshUserMonths(
      db,
      inst,
      s.usage.map((u) => u.day),
    );
    await markReported(db, inst, localDayOf(at, s.utcOffsetMin));

    const addedSearches: { at: number; login: string; status: string; type: string }[] = [];
    await inChunks(s.searches, async (part) => {
      const added = await db
        .insertInto('search_log')
        .values(
          part.map((x) => ({
            installation_id: inst,
            at: x.at,
            login: x.login,
            query: x.query,
            catalog: x.catalog,
            type: x.type,
            source: x.source,
            status: x.status,
            duration_ms: x.durationMs,
          })),
        )
        .onConflict((oc) => oc.columns(['installation_id', 'at', 'login', 'query']).doNothing())
        // Only rows actually inserted come back: a search seen in an earlier report is not counted twice.
        .returning(['at', 'login', 'status', 'type'])
        .execute();
      addedSearches.push(...added);
    });
    const domains = new Map(s.users.map((u) => [u.login, u.domain || UNDEFINED_DOMAIN]));
    await addSearches(
      db,
      inst,
      addedSearches,
      (login) => domains.get(login) ?? UNDEFINED_DOMAIN,
      s.utcOffsetMin,
    );
    await addUserSearches(db, inst, addedSearches, s.utcOffsetMin);

    const addedRefusals: { at: number; login: string; reason: string | null }[] = [];
    await inChunks(s.refusedLogons, async (part) => {
      const added = await db
        .insertInto('refused_logons')
        .values(part.map((r) => ({ installation_id: inst, login: r.login, at: r.at, reason: r.reason })))
        .onConflict((oc) => oc.columns(['installation_id', 'login', 'at']).doNothing())
        // Only new rows come back: a report repeats the refusals since the ПК started.
        .returning(['at', 'login', 'reason'])
        .execute();
      addedRefusals.push(...added);
    });
    await addRefusals(db, inst, addedRefusals, s.utcOffsetMin);

    await inChunks(s.kassistLinks, (part) =>
      db
        .insertInto('kassist_links_daily')
        .values(
          part.map((k) => ({
            installation_id: inst,
            day: k.day,
            unique_added: k.uniqueAdded,
            no_match: k.noMatch,
            added: k.added,
            active_verified: k.activeVerified,
          })),
        )
        .onConflict((oc) => {
          const c = oc.columns(['installation_id', 'day']);
          if (!newer) return c.doNothing();
          return c.doUpdateSet((eb) => ({
            unique_added: eb.ref('excluded.unique_added'),
            no_match: eb.ref('excluded.no_match'),
            added: eb.ref('excluded.added'),
            active_verified: eb.ref('excluded.active_verified'),
          }));
        })
        .execute(),
    );

    await writeSamples(t, { dealerId: target.dealerId, installationId: inst }, at, snapshotSamples(s, at));
  });
}

export interface StatusSamples {
  takenAt: number | null;
  samples: { name: string; labels: Labels; value: number }[];
}

/** Stores the metrics of a `.status` file as samples at the time its `date:` line gives. */
export async function storeStatus(
  ctx: AppContext,
  target: StoreTarget,
  status: StatusSamples,
): Promise<void> {
  const at = status.takenAt ?? target.receivedAt;
  await withTx(ctx, (db) =>
    writeSamples(
      { ...ctx, db },
      { dealerId: target.dealerId, installationId: target.installationId },
      at,
      status.samples.map((s) => ({ metric: s.name, labels: s.labels, value: s.value })),
    ),
  );
}
