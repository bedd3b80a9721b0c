/**
 * Org units as a tree of any depth: create (at the top or under a unit), rename, delete (only empty
 * units; the server answers 409 otherwise, and the message says what remains). Keyboard: the tree
 * follows the WAI-ARIA tree pattern (arrows move and open/close, Home/End, F2 renames).
 */
import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { apiSend } from '../../api';
import { StatusBox } from '../../components/Panel';
import { Icon } from '../../components/icons';
import {
  ActionButton,
  ConfirmDialog,
  FormDialog,
  Notice,
  PageHead,
  queryStatus,
  RowButton,
  SelectField,
  TextField,
  unitOptions,
  useAdmin,
  useClients,
  useDealerParam,
  useForm,
  useInvalidate,
  useManagers,
  useToast,
  useUnits,
  useUsers,
} from '../common';
import { L, tx } from '../texts';
import type { Unit } from '../types';

interface Node {
  unit: Unit;
  children: Node[];
  depth: number;
}

function buildTree(units: Unit[]): Node[] {
  const known = new Map(units.map((u) => [u.id, u]));
  const nodes = new Map<number, Node>();
  for (const u of units) nodes.set(u.id, { unit: u, children: [], depth: 0 });
  const roots: Node[] = [];
  for (const u of [...units].sort((a, b) => a.name.localeCompare(b.name, 'ru'))) {
    const n = nodes.get(u.id)!;
    const parent = u.parentId !== null && known.has(u.parentId) ? nodes.get(u.parentId) : undefined;
    if (parent) parent.children.push(n);
    else roots.push(n);
  }
  const setDepth = (list: Node[], d: number) => {
    for (const n of list) {
      n.depth = d;
      setDepth(n.children, d + 1);
    }
  };
  setDepth(roots, 0);
  return roots;
}

type DialogState =
  | { kind: 'create'; parentId: number | null }
  | { kind: 'rename'; unit: Unit }
  | { kind: 'delete'; unit: Unit }
  | null;

export function Units() {
  const admin = useAdmin();
  const units = useUnits();
  const clients = useClients();
  const managers = useManagers();
  const users = useUsers();
  const [dialog, setDialog] = useState<DialogState>(null);
  const [collapsed, setCollapsed] = useState<Set<number>>(new Set());
  const [focused, setFocused] = useState<number | null>(null);
  const [toast, showToast] = useToast();
  const treeRef = useRef<HTMLUListElement | null>(null);

  const tree = useMemo(() => buildTree(units.data ?? []), [units.data]);
  const counts = useMemo(() => {
    const m = new Map<number, { clients: number; users: number; managers: number }>();
    const get = (id: number) => {
      let c = m.get(id);
      if (!c) m.set(id, (c = { clients: 0, users: 0, managers: 0 }));
      return c;
    };
    for (const c of clients.data ?? []) if (c.unitId) get(c.unitId).clients++;
    for (const u of users.data ?? []) if (u.unitId) get(u.unitId).users++;
    for (const x of managers.data ?? []) if (x.unitId) get(x.unitId).managers++;
    return m;
  }, [clients.data, users.data, managers.data]);

  // The visible items in order, for keyboard navigation.
  const visible = useMemo(() => {
    const out: Node[] = [];
    const walk = (list: Node[]) => {
      for (const n of list) {
        out.push(n);
        if (!collapsed.has(n.unit.id)) walk(n.children);
      }
    };
    walk(tree);
    return out;
  }, [tree, collapsed]);
  const current = focused ?? visible[0]?.unit.id ?? null;

  const focusItem = (id: number | undefined) => {
    if (id === undefined) return;
    setFocused(id);
    treeRef.current?.querySelector<HTMLElement>(`[data-unit-id="${id}"]`)?.focus();
  };
  const toggle = (id: number) =>
    setCollapsed((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  const whyNoWrite = admin.canWrite ? null : L.readOnlyRole();
  const whyNoTop =
    whyNoWrite ??
    (admin.ownUnitId !== null
      ? tx(
          'Руководитель создаёт подразделения только внутри своего: выберите его в дереве.',
          'A head creates units only inside their own: pick it in the tree.',
        )
      : null);

  const onKey = (e: KeyboardEvent<HTMLElement>, n: Node) => {
    if (e.target !== e.currentTarget) return;
    const i = visible.findIndex((x) => x.unit.id === n.unit.id);
    const open = n.children.length > 0 && !collapsed.has(n.unit.id);
    switch (e.key) {
      case 'ArrowDown':
        focusItem(visible[i + 1]?.unit.id);
        break;
      case 'ArrowUp':
        focusItem(visible[i - 1]?.unit.id);
        break;
      case 'Home':
        focusItem(visible[0]?.unit.id);
        break;
      case 'End':
        focusItem(visible[visible.length - 1]?.unit.id);
        break;
      case 'ArrowRight':
        if (n.children.length && !open) toggle(n.unit.id);
        else if (open) focusItem(n.children[0]?.unit.id);
        break;
      case 'ArrowLeft':
        if (open) toggle(n.unit.id);
        else if (n.unit.parentId !== null) focusItem(n.unit.parentId);
        break;
      case 'F2':
        if (admin.canWrite) setDialog({ kind: 'rename', unit: n.unit });
        break;
      case 'Delete':
        if (admin.canWrite) setDialog({ kind: 'delete', unit: n.unit });
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const renderNode = (n: Node) => {
    const open = !collapsed.has(n.unit.id);
    const c = counts.get(n.unit.id);
    const own = admin.ownUnitId === n.unit.id;
    return (
      <li
        key={n.unit.id}
        role="treeitem"
        aria-expanded={n.children.length ? open : undefined}
        aria-level={n.depth + 1}
        aria-selected={current === n.unit.id}
        tabIndex={current === n.unit.id ? 0 : -1}
        className="tree-item"
        data-unit-id={n.unit.id}
        data-testid={`unit-${n.unit.id}`}
        onKeyDown={(e) => onKey(e, n)}
        onFocus={(e) => {
          if (e.target === e.currentTarget) setFocused(n.unit.id);
        }}
      >
        <div className="tree-row">
          {n.children.length ? (
            <button
              type="button"
              className="tree-toggle"
              tabIndex={-1}
              aria-hidden="true"
              onClick={() => toggle(n.unit.id)}
            >
              <Icon name={open ? 'down' : 'right'} size={14} />
            </button>
          ) : (
            <span className="tree-toggle" aria-hidden="true" />
          )}
          <span className="tree-name" data-testid="unit-name">
            {n.unit.name}
          </span>
          {own && <span className="tag tag-blue">{tx('ваше', 'yours')}</span>}
          {c && (
            <span className="tree-counts">
              {tx('клиентов {c}, менеджеров {m}, пользователей {u}', 'clients {c}, managers {m}, users {u}', {
                c: c.clients,
                m: c.managers,
                u: c.users,
              })}
            </span>
          )}
          <span className="tree-actions">
            <RowButton
              icon="plus"
              label={tx('Добавить подразделение в «{n}»', 'Add a unit to “{n}”', { n: n.unit.name })}
              why={whyNoWrite}
              onClick={() => setDialog({ kind: 'create', parentId: n.unit.id })}
              testid="unit-add-child"
            />
            <RowButton
              icon="edit"
              label={tx('Переименовать «{n}»', 'Rename “{n}”', { n: n.unit.name })}
              why={whyNoWrite}
              onClick={() => setDialog({ kind: 'rename', unit: n.unit })}
              testid="unit-rename"
            />
            <RowButton
              icon="trash"
              danger
              label={tx('Удалить «{n}»', 'Delete “{n}”', { n: n.unit.name })}
              why={
                whyNoWrite ??
                (own ? tx('Нельзя удалить своё подразделение', 'You cannot delete your own unit') : null)
              }
              onClick={() => setDialog({ kind: 'delete', unit: n.unit })}
              testid="unit-delete"
            />
          </span>
        </div>
        {n.children.length > 0 && open && (
          <ul role="group" className="tree">
            {n.children.map(renderNode)}
          </ul>
        )}
      </li>
    );
  };

  const invalidate = useInvalidate();
  return (
    <div className="page">
      <PageHead
        title={tx('Подразделения', 'Org units')}
        description={tx(
          'Дерево филиалов и отделов дилера. Клиенты, менеджеры и пользователи относятся к подразделению; руководитель видит своё подразделение и всё, что ниже. Удалить можно только пустое подразделение.',
          "The dealer's tree of branches and departments. Clients, managers and users belong to a unit; a head sees their unit and everything below it. Only an empty unit can be deleted.",
        )}
        actions={
          <ActionButton
            className="btn btn-primary"
            why={whyNoTop}
            onClick={() => setDialog({ kind: 'create', parentId: null })}
            testid="unit-create"
          >
            {tx('Новое подразделение', 'New unit')}
          </ActionButton>
        }
      />
      {admin.isOperator && admin.dealerId === null && (
        <Notice>
          {tx(
            'Выберите дилера слева, чтобы создавать подразделения.',
            'Pick a dealer on the left to create units.',
          )}
        </Notice>
      )}
      <div className="tree-root">
        <StatusBox
          status={{
            ...queryStatus(units),
            empty: (units.data ?? []).length === 0,
            emptyText: tx('Подразделений пока нет.', 'No units yet.'),
          }}
        >
          <ul
            role="tree"
            className="tree"
            aria-label={tx('Подразделения', 'Org units')}
            ref={treeRef}
            data-testid="units-tree"
          >
            {tree.map(renderNode)}
          </ul>
        </StatusBox>
      </div>
      <p className="hint">
        {tx(
          'Клавиатура: ↑/↓ — перемещение, →/← — раскрыть/свернуть, F2 — переименовать, Delete — удалить.',
          'Keyboard: ↑/↓ move, →/← open/close, F2 renames, Delete deletes.',
        )}
      </p>
      {dialog?.kind === 'create' && (
        <UnitDialog
          parentId={dialog.parentId}
          units={units.data ?? []}
          onClose={() => setDialog(null)}
          onDone={(u) => {
            void invalidate('units');
            showToast(L.saved(u.name));
          }}
        />
      )}
      {dialog?.kind === 'rename' && (
        <UnitDialog
          unit={dialog.unit}
          units={units.data ?? []}
          onClose={() => setDialog(null)}
          onDone={(u) => {
            void invalidate('units');
            showToast(L.saved(u.name));
          }}
        />
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title={L.confirmDelete(`«${dialog.unit.name}»`)}
          confirmLabel={L.remove()}
          onClose={() => setDialog(null)}
          action={async () => {
            await apiSend('DELETE', `/api/units/${dialog.unit.id}`);
            await invalidate('units');
            showToast(L.deleted(dialog.unit.name));
          }}
        >
          <p>
            {tx(
              'Удалить можно только пустое подразделение: без вложенных подразделений, пользователей, менеджеров и клиентов.',
              'Only an empty unit can be deleted: no units, users, managers or clients inside.',
            )}
          </p>
        </ConfirmDialog>
      )}
      {toast}
    </div>
  );
}

function UnitDialog({
  unit,
  parentId,
  units,
  onClose,
  onDone,
}: {
  unit?: Unit;
  parentId?: number | null;
  units: Unit[];
  onClose(): void;
  onDone(u: Unit): void;
}) {
  const dp = useDealerParam();
  const f = useForm(
    { name: unit?.name ?? '', parentId: parentId ? String(parentId) : '' },
    ['name', 'parentId'],
    'name',
  );
  const save = () =>
    f.submit(
      async (v) => {
        const u = unit
          ? await apiSend<Unit>('PATCH', `/api/units/${unit.id}`, { name: v.name.trim() })
          : await apiSend<Unit>('POST', '/api/units', {
              ...dp,
              name: v.name.trim(),
              parentId: v.parentId ? Number(v.parentId) : null,
            });
        onDone(u);
        onClose();
      },
      !f.values.name.trim()
        ? { name: tx('Введите название', 'Enter a name') }
        : f.values.name.includes('/')
          ? {
              name: tx(
                'Символ «/» разделяет подразделения в пути и в названии недопустим',
                '“/” separates units in a path and is not allowed',
              ),
            }
          : undefined,
    );
  return (
    <FormDialog
      title={
        unit ? tx('Переименовать подразделение', 'Rename the unit') : tx('Новое подразделение', 'New unit')
      }
      onClose={onClose}
      onSubmit={() => void save()}
      busy={f.busy}
      error={f.errors.general}
      submitLabel={unit ? L.save() : L.create()}
      testid="unit-dialog"
    >
      <TextField
        label={L.name()}
        value={f.values.name}
        onChange={(v) => f.set('name', v)}
        error={f.errors.fields.name}
        required
        autoFocus
        maxLength={120}
        testid="unit-name-input"
      />
      {!unit && (
        <SelectField
          label={tx('Входит в', 'Inside')}
          value={f.values.parentId}
          onChange={(v) => f.set('parentId', v)}
          options={unitOptions(units)}
          placeholder={tx('— верхний уровень дилера —', "— the dealer's top level —")}
          error={f.errors.fields.parentId}
        />
      )}
    </FormDialog>
  );
}
