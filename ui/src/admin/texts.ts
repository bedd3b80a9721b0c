/**
 * Texts of the administration pages. Russian first, English second, through `tx(ru, en)` of ../i18n
 * (the shared dictionary belongs to the shell). Words used on several pages live here; one-off texts
 * are written inline where they are used.
 */
import { t, tx } from '../i18n';
import type { Role } from '../api';

export { tx };

export const L = {
  create: () => tx('Создать', 'Create'),
  add: () => tx('Добавить', 'Add'),
  edit: () => tx('Изменить', 'Edit'),
  save: () => t('common.save'),
  cancel: () => t('common.cancel'),
  close: () => t('common.close'),
  remove: () => tx('Удалить', 'Delete'),
  revoke: () => tx('Отозвать', 'Revoke'),
  actions: () => tx('Действия', 'Actions'),
  name: () => tx('Название', 'Name'),
  unit: () => tx('Подразделение', 'Unit'),
  noUnit: () => tx('— весь дилер —', '— whole dealer —'),
  client: () => tx('Клиент', 'Client'),
  clients: () => tx('Клиенты', 'Clients'),
  managers: () => tx('Менеджеры', 'Managers'),
  manager: () => tx('Менеджер', 'Manager'),
  enabled: () => tx('Включён', 'Enabled'),
  yes: () => t('common.yes'),
  no: () => t('common.no'),
  none: () => tx('—', '—'),
  busy: () => tx('Выполняется…', 'Working…'),
  created: () => tx('Создано', 'Created'),
  comment: () => tx('Комментарий', 'Comment'),
  author: () => tx('Автор', 'Author'),
  state: () => tx('Состояние', 'State'),
  kind: () => tx('Тип', 'Kind'),
  choose: () => tx('— выберите —', '— choose —'),
  deleted: (what: string) => tx('Удалено: {what}', 'Deleted: {what}', { what }),
  saved: (what: string) => tx('Сохранено: {what}', 'Saved: {what}', { what }),
  confirmDelete: (what: string) => tx('Удалить {what}?', 'Delete {what}?', { what }),
  cannotUndo: () => tx('Это действие нельзя отменить.', 'This cannot be undone.'),
  readOnlyRole: () =>
    tx('Ваша роль позволяет только просматривать этот раздел.', 'Your role may only view this section.'),
  onlyDealerAdmin: () =>
    tx(
      'Доступно только администратору дилера и оператору.',
      'Only the dealer admin and the operator may do this.',
    ),
  dealerWideHead: () =>
    tx(
      'Общие для всего дилера объекты меняет администратор дилера; вы меняете объекты своего подразделения.',
      'Dealer-wide objects are changed by the dealer admin; you change those of your unit.',
    ),
  notEditable: () =>
    tx(
      'Этот объект относится ко всему дилеру: его меняет администратор дилера.',
      'This object belongs to the whole dealer: the dealer admin changes it.',
    ),
  csv: () => tx('CSV', 'CSV'),
  alerts: () => tx('Алерты', 'Alerts'),
  reset: () => tx('Сбросить', 'Reset'),
  overridden: () => tx('изменено', 'changed'),
  byDefault: () => tx('по умолчанию', 'default'),
  defaultIs: (value: string) => tx('По умолчанию: {value}', 'Default: {value}', { value }),
  passwordKeep: () => tx('пусто — не менять', 'empty — unchanged'),
  passwordSet: () => tx('задан', 'set'),
  passwordNotSet: () => tx('не задан', 'not set'),
};

export function roleName(role: Role): string {
  return t(`role.${role}`);
}

/** «UTC+3» for an offset in minutes. */
export function offsetName(min: number): string {
  const sign = min < 0 ? '−' : '+';
  const a = Math.abs(min);
  const h = Math.floor(a / 60);
  const m = a % 60;
  return `UTC${sign}${h}${m ? `:${String(m).padStart(2, '0')}` : ''}`;
}

/** Offsets a select offers: UTC−12 … UTC+14 in whole hours, plus the quarter-hour zones in use. */
export const OFFSETS: number[] = [
  ...Array.from({ length: 27 }, (_, i) => (i - 12) * 60),
  -570,
  -210,
  210,
  270,
  330,
  345,
  390,
  525,
  570,
  630,
  765,
]
  .filter((v, i, a) => a.indexOf(v) === i)
  .sort((a, b) => a - b);
