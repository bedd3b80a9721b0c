/**
 * Users: list, create (the role choice is limited to the roles the caller may grant), edit (name,
 * role, unit, manager link, disabled, a new password: empty keeps it), delete.
 */
import { useMemo } from 'react';
import { apiSend, type Role } from '../../api';
import { TablePanel, type Column } from '../../components/TablePanel';
import {
  actionsColumn,
  ActionButton,
  byId,
  CheckField,
  CrudDialogs,
  EditDeleteButtons,
  FormDialog,
  PageHead,
  queryStatus,
  SelectField,
  TextField,
  unitLabel,
  unitOptions,
  useAdmin,
  useCrud,
  useDealerParam,
  useForm,
  useManagers,
  useUnits,
  useUsers,
} from '../common';
import { L, roleName, tx } from '../texts';
import type { User } from '../types';

const ALL_ROLES: Role[] = ['operator', 'dealer-admin', 'head', 'manager', 'viewer'];

/** Roles the caller may grant: never above their own (the server checks the same). */
export function grantable(role: Role): Role[] {
  switch (role) {
    case 'operator':
      return ALL_ROLES;
    case 'dealer-admin':
      return ['dealer-admin', 'head', 'manager', 'viewer'];
    case 'head':
      return ['head', 'manager', 'viewer'];
    default:
      return [];
  }
}

function roleHint(role: Role): string {
  switch (role) {
    case 'operator':
      return tx('видит и меняет всё, создаёт дилеров', 'sees and changes everything, creates dealers');
    case 'dealer-admin':
      return tx('весь дилер, включая токены загрузки', 'the whole dealer, including upload tokens');
    case 'head':
      return tx('своё подразделение и всё ниже', 'their unit and everything below');
    case 'manager':
      return tx('только свои клиенты, без изменений', 'only their clients, read-only');
    default:
      return tx('подразделение, только просмотр', 'a unit, read-only');
  }
}

export function Users() {
  const admin = useAdmin();
  const users = useUsers();
  const units = useUnits();
  const managers = useManagers();
  const unitMap = useMemo(() => byId(units.data), [units.data]);
  const managerMap = useMemo(() => byId(managers.data), [managers.data]);
  const crud = useCrud<User>({ label: (u) => u.login, refresh: ['users'] });
  const roles = grantable(admin.me.role);

  const whyNot = (u: User): string | null => {
    if (!admin.canWrite) return L.readOnlyRole();
    if (!roles.includes(u.role)) return tx('Роль пользователя выше вашей', "The user's role is above yours");
    return null;
  };

  const columns: Column<User>[] = [
    {
      key: 'login',
      title: tx('Логин', 'Login'),
      value: (u) => u.login,
      render: (u) => <span data-testid="user-login">{u.login}</span>,
    },
    { key: 'name', title: tx('Имя', 'Name'), value: (u) => u.displayName },
    { key: 'role', title: tx('Роль', 'Role'), value: (u) => roleName(u.role) },
    {
      key: 'unit',
      title: L.unit(),
      value: (u) => (u.role === 'operator' ? '' : unitLabel(unitMap, u.unitId)),
    },
    {
      key: 'manager',
      title: tx('Запись менеджера', 'Manager record'),
      value: (u) => (u.managerId ? (managerMap.get(u.managerId)?.name ?? `#${u.managerId}`) : ''),
    },
    {
      key: 'disabled',
      title: L.state(),
      value: (u) => (u.disabled ? tx('отключён', 'disabled') : tx('активен', 'active')),
      render: (u) =>
        u.disabled ? (
          <span className="tag tag-bad">{tx('отключён', 'disabled')}</span>
        ) : (
          <span className="tag tag-ok">{tx('активен', 'active')}</span>
        ),
    },
    actionsColumn((u) => (
      <EditDeleteButtons
        crud={crud}
        item={u}
        testid="user"
        why={whyNot(u)}
        whyDelete={
          whyNot(u) ??
          (u.id === admin.me.user.id ? tx('Нельзя удалить себя', 'You cannot delete yourself') : null)
        }
      />
    )),
  ];

  return (
    <div className="page">
      <PageHead
        title={tx('Пользователи', 'Users')}
        description={tx(
          'Кто входит в SMART и что видит. Роль не может быть выше вашей; менеджер привязывается к записи менеджера и видит только своих клиентов.',
          'Who logs in to SMART and what they see. No role above your own can be granted; a manager user is linked to a manager record and sees only their clients.',
        )}
        actions={
          <ActionButton
            className="btn btn-primary"
            why={admin.canWrite ? null : L.readOnlyRole()}
            onClick={crud.create}
            testid="user-create"
          >
            {tx('Новый пользователь', 'New user')}
          </ActionButton>
        }
      />
      <div className="grid">
        <TablePanel
          id="users"
          title={tx('Пользователи: {n}', 'Users: {n}', { n: users.data?.length ?? 0 })}
          rows={users.data ?? []}
          columns={columns}
          rowKey={(u) => u.id}
          rowClass={(u) => (u.disabled ? 'row-off' : '')}
          status={queryStatus(users)}
          csvName="users.csv"
          initialSort={{ key: 'login', dir: 'asc' }}
          pageSize={25}
        />
      </div>
      <CrudDialogs
        crud={crud}
        editor={({ item, ...p }) => <UserDialog user={item} roles={roles} {...p} />}
        deletePath={(u) => `/api/users/${u.id}`}
      />
    </div>
  );
}

const FIELDS = ['login', 'displayName', 'password', 'role', 'unitId', 'managerId', 'disabled', 'dealerId'];

function UserDialog({
  user,
  roles,
  onClose,
  onDone,
}: {
  user: User | null;
  roles: Role[];
  onClose(): void;
  onDone(u: User): void;
}) {
  const admin = useAdmin();
  const dp = useDealerParam();
  const units = useUnits();
  const managers = useManagers();
  const self = user?.id === admin.me.user.id;
  const f = useForm(
    {
      login: user?.login ?? '',
      displayName: user?.displayName ?? '',
      password: '',
      role: (user?.role ?? (roles.includes('viewer') ? 'viewer' : roles[0])) as Role,
      unitId: user?.unitId ? String(user.unitId) : admin.ownUnitId ? String(admin.ownUnitId) : '',
      managerId: user?.managerId ? String(user.managerId) : '',
      disabled: user?.disabled ?? false,
    },
    FIELDS,
    'login',
  );
  const v = f.values;
  const clientErrors = (): Record<string, string> => {
    const e: Record<string, string> = {};
    if (!user && !/^[a-zA-Z0-9][a-zA-Z0-9._@-]{1,63}$/.test(v.login.trim()))
      e.login = tx(
        '2–64 латинские буквы, цифры, «.», «_», «@» или «-»',
        '2–64 Latin letters, digits, “.”, “_”, “@” or “-”',
      );
    if ((!user || v.password) && v.password.length < 8)
      e.password = tx('Не короче 8 символов', 'At least 8 characters');
    if (v.role === 'manager' && !v.managerId)
      e.managerId = tx(
        'Менеджер должен быть привязан к записи менеджера',
        'A manager user must be linked to a manager record',
      );
    return e;
  };
  const save = () =>
    f.submit(async () => {
      const unitId = v.role === 'operator' ? null : v.unitId ? Number(v.unitId) : null;
      const managerId = v.managerId ? Number(v.managerId) : null;
      let out: User;
      if (user) {
        const body: Record<string, unknown> = { displayName: v.displayName, unitId, managerId };
        if (!self && v.role !== user.role) body.role = v.role;
        if (!self && v.disabled !== user.disabled) body.disabled = v.disabled;
        if (v.password) body.password = v.password;
        out = await apiSend<User>('PATCH', `/api/users/${user.id}`, body);
      } else {
        out = await apiSend<User>('POST', '/api/users', {
          ...(v.role === 'operator' ? { dealerId: null } : dp),
          login: v.login.trim(),
          displayName: v.displayName,
          password: v.password,
          role: v.role,
          unitId,
          managerId,
        });
      }
      onDone(out);
      onClose();
    }, clientErrors());
  const selfWhy = self
    ? tx('Свою роль менять и себя отключать нельзя', 'You cannot change your own role or disable yourself')
    : undefined;
  return (
    <FormDialog
      title={
        user ? tx('Пользователь {l}', 'User {l}', { l: user.login }) : tx('Новый пользователь', 'New user')
      }
      onClose={onClose}
      onSubmit={() => void save()}
      busy={f.busy}
      error={f.errors.general}
      submitLabel={user ? L.save() : L.create()}
      testid="user-dialog"
    >
      <div className="field-row">
        <TextField
          label={tx('Логин', 'Login')}
          value={v.login}
          onChange={(x) => f.set('login', x)}
          error={f.errors.fields.login}
          required={!user}
          autoFocus={!user}
          autoComplete="off"
          hint={user ? tx('Логин не меняется', 'The login cannot change') : undefined}
          testid="user-login-input"
          {...(user ? { placeholder: user.login } : {})}
        />
        <TextField
          label={tx('Имя для отображения', 'Display name')}
          value={v.displayName}
          onChange={(x) => f.set('displayName', x)}
          error={f.errors.fields.displayName}
          maxLength={200}
        />
      </div>
      <TextField
        label={user ? tx('Новый пароль', 'New password') : tx('Пароль', 'Password')}
        type="password"
        value={v.password}
        onChange={(x) => f.set('password', x)}
        error={f.errors.fields.password}
        required={!user}
        hint={
          user
            ? tx(
                'Пусто — пароль не меняется. Смена пароля завершает сеансы пользователя.',
                "Empty keeps the password. A new password ends the user's sessions.",
              )
            : tx('Не короче 8 символов', 'At least 8 characters')
        }
        testid="user-password-input"
      />
      <SelectField
        label={tx('Роль', 'Role')}
        value={v.role}
        onChange={(x) => f.set('role', x as Role)}
        options={(user && !roles.includes(user.role) ? [user.role, ...roles] : roles).map((r) => ({
          value: r,
          label: `${roleName(r)} — ${roleHint(r)}`,
        }))}
        error={f.errors.fields.role}
        disabled={self}
        hint={
          selfWhy ??
          tx('Можно выдать только роли не выше вашей.', 'Only roles up to your own can be granted.')
        }
        testid="user-role"
      />
      {v.role !== 'operator' && (
        <SelectField
          label={L.unit()}
          value={v.unitId}
          onChange={(x) => f.set('unitId', x)}
          options={unitOptions(units.data)}
          placeholder={admin.ownUnitId ? tx('— ваше подразделение —', '— your unit —') : L.noUnit()}
          error={f.errors.fields.unitId}
          hint={tx(
            'Руководитель и наблюдатель видят подразделение и всё, что ниже.',
            'A head or viewer sees the unit and everything below.',
          )}
        />
      )}
      {(v.role === 'manager' || v.managerId) && (
        <SelectField
          label={tx('Запись менеджера', 'Manager record')}
          value={v.managerId}
          onChange={(x) => f.set('managerId', x)}
          options={(managers.data ?? []).map((m) => ({ value: String(m.id), label: m.name }))}
          placeholder={L.choose()}
          error={f.errors.fields.managerId}
          required={v.role === 'manager'}
          testid="user-manager"
        />
      )}
      {user && (
        <CheckField
          label={tx('Отключён (не может войти)', 'Disabled (cannot log in)')}
          checked={v.disabled}
          onChange={(x) => f.set('disabled', x)}
          disabled={self}
          hint={selfWhy}
          error={f.errors.fields.disabled}
        />
      )}
    </FormDialog>
  );
}
